// @dfns/sdk 0.6: the whole user journey (delegated registration, login,
// users API, logout) through the SDK's own client methods, a nonce on every request.
import * as sdk from '@dfns/sdk'
import { userActionFetch } from '@dfns/sdk/utils/userActionFetch.js'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import * as jose from 'jose'
import { defineJourney } from '../node-journey.mjs'

defineJourney({
  label: '@dfns/sdk 0.6',
  slug: 'ts06',
  sdk,
  AsymmetricKeySigner,
  jose,
  apiOptions: () => ({ appId: 'ap-2ng9jv-80cfc-983pop0iauf2sv8r' }),
  // 0.6 has no updateUser: the same signed PUT through the SDK's own
  // user action helper, as its generated methods send it.
  updateUser: async (api, { userId, body }) => {
    const response = await userActionFetch(`/auth/users/${userId}`, {
      method: 'PUT',
      body,
      apiOptions: api.apiOptions,
    })
    return response.json()
  },
  recreate: (api, request) => api.auth.recreateDelegatedRegistrationChallenge(request),
})
