// @dfns/sdk 0.6: sends X-DFNS-APPID and a fresh X-DFNS-NONCE on every request.
import * as sdk from '@dfns/sdk'
import * as utils from '@dfns/sdk/utils/index.js'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import * as jose from 'jose'
import { defineSuite } from '../node-suite.mjs'

defineSuite({
  label: '@dfns/sdk 0.6',
  sdk,
  utils,
  AsymmetricKeySigner,
  jose,
  apiOptions: () => ({ appId: 'ap-2ng9jv-80cfc-983pop0iauf2sv8r' }),
})
