// @dfns/sdk 0.8: current SDK, sends no nonce, checks the token's orgId.
import * as sdk from '@dfns/sdk'
import * as utils from '@dfns/sdk/utils/index.js'
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner'
import * as jose from 'jose'
import { defineSuite } from '../node-suite.mjs'

defineSuite({
  label: '@dfns/sdk 0.8',
  sdk,
  utils,
  AsymmetricKeySigner,
  jose,
  // With orgId set the client decodes the bearer token's app_metadata.orgId.
  apiOptions: (fixture) => ({ orgId: fixture.orgId }),
})
