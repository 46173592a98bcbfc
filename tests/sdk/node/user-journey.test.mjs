// @dfns/sdk 0.8: the whole user journey (delegated registration, login,
// users API, logout) through the SDK's own client methods.
import * as sdk from '@dfns/sdk'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import * as jose from 'jose'
import { defineJourney } from '../node-journey.mjs'

defineJourney({
  label: '@dfns/sdk 0.8',
  slug: 'ts08',
  sdk,
  AsymmetricKeySigner,
  jose,
  // With orgId set the client decodes every bearer token (the temporary one too).
  apiOptions: (fixture) => ({ orgId: fixture.orgId }),
  updateUser: (api, request) => api.auth.updateUser(request),
  // 0.8 has no restart method: asking again for the same user is the way.
  recreate: (api, request) => api.auth.createDelegatedRegistrationChallenge(request),
})
