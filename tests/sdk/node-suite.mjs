// The conformance cases, shared by the @dfns/sdk 0.8 and 0.6 suites. Each
// suite passes in its own installed packages; this file imports none.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it, before } from 'node:test'

const LOGIN = '/auth/login/delegated'

export function defineSuite({ label, sdk, utils, AsymmetricKeySigner, jose, apiOptions }) {
  const fixture = JSON.parse(readFileSync(process.env.SDK_FIXTURE, 'utf8'))
  const baseUrl = process.env.BASE_URL
  const { DfnsApiClient, DfnsDelegatedApiClient, DfnsError, BaseAuthApi } = sdk

  const signerOf = (account) => new AsymmetricKeySigner({ credId: account.credId, privateKey: account.privateKey })
  const options = (account) => ({ ...apiOptions(fixture, account), baseUrl, authToken: account.token })
  const client = (account) => new DfnsApiClient({ ...options(account), signer: signerOf(account) })
  const delegated = (account) => new DfnsDelegatedApiClient(options(account))

  let jwks
  before(async () => {
    const response = await fetch(`${baseUrl}/.well-known/jwks.json`)
    assert.equal(response.status, 200)
    jwks = jose.createLocalJWKSet(await response.json())
  })

  // Verifies with jose against the published JWKS, then checks the claims.
  async function assertToken(token, user, account) {
    const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
      issuer: fixture.issuer,
      audience: 'dfns:auth:user',
      algorithms: ['ES256'],
    })
    assert.equal(protectedHeader.typ, 'JWT')
    assert.match(protectedHeader.kid, /^[0-9a-f-]{36}$/)
    assert.equal(payload.sub, fixture.orgId)
    assert.equal(payload['https://custom/username'], user.username)
    assert.deepEqual(payload['https://custom/app_metadata'], {
      userId: user.userId,
      orgId: fixture.orgId,
      tokenKind: 'Token',
    })
    assert.deepEqual(payload.act, { sub: account.userId })
    assert.equal(payload.exp - payload.iat, 6 * 3600)
  }

  async function assertDfnsError(promise, status, message) {
    await assert.rejects(promise, (err) => {
      assert.ok(err instanceof DfnsError, `expected DfnsError, got ${err}`)
      assert.equal(err.httpStatus, status)
      assert.equal(err.message, message)
      return true
    })
  }

  describe(`${label}: delegated login succeeds`, () => {
    for (const kind of fixture.keyKinds) {
      const account = fixture.accounts[kind]
      it(`DfnsApiClient.auth.delegatedLogin with a ${kind} key`, async () => {
        const { token } = await client(account).auth.delegatedLogin({
          body: { username: fixture.users.endUser.username },
        })
        await assertToken(token, fixture.users.endUser, account)
      })
      it(`DfnsDelegatedApiClient init/complete with a ${kind} key`, async () => {
        const api = delegated(account)
        const body = { username: fixture.users.employee.username }
        const challenge = await api.auth.delegatedLoginInit({ body })
        const firstFactor = await signerOf(account).sign(challenge)
        const { token } = await api.auth.delegatedLoginComplete(
          { body },
          { challengeIdentifier: challenge.challengeIdentifier, firstFactor },
        )
        await assertToken(token, fixture.users.employee, account)
      })
    }
    it('a non-ASCII username', async () => {
      const account = fixture.accounts.P256
      const { token } = await client(account).auth.delegatedLogin({
        body: { username: fixture.users.nonAscii.username },
      })
      await assertToken(token, fixture.users.nonAscii, account)
    })
  })

  describe(`${label}: the SDK surfaces the contract's errors`, () => {
    const account = fixture.accounts.P256
    const login = (acct, username) => client(acct).auth.delegatedLogin({ body: { username } })

    it('unknown user', () => assertDfnsError(login(account, 'nobody@example.co'), 401, 'User not found'))
    it("another org's user", () =>
      assertDfnsError(login(account, fixture.users.otherOrg.username), 401, 'User not found'))
    it('deactivated user', () =>
      assertDfnsError(login(account, fixture.users.deactivated.username), 400, 'User account has been deactivated.'))
    it('missing permission', () => {
      const readOnly = fixture.accounts.readOnly
      return assertDfnsError(
        login(readOnly, fixture.users.endUser.username),
        403,
        `CustomerEmployee ${readOnly.userId} is not authorized to perform operation (Auth:Users:Delegate)`,
      )
    })
    it('over the logins-per-minute limit', async () => {
      const limited = fixture.accounts[fixture.limited[label]]
      const username = fixture.users.endUser.username
      const { token } = await login(limited, username)
      await assertToken(token, fixture.users.endUser, limited)
      const tooMany = [429, 'too many delegated logins for this service account']
      // Two logins straddling a minute's edge fall in two windows: then a third is over.
      const second = await login(limited, username).catch((err) => err)
      const refused = typeof second?.token === 'string' ? login(limited, username) : Promise.reject(second)
      await assertDfnsError(refused, ...tooMany)
    })
    it('revoked service account token', () =>
      assertDfnsError(login(fixture.accounts.revoked, fixture.users.endUser.username), 401, 'Not Authorized.'))
    it('reused user action', async () => {
      const opts = options(account)
      const body = { username: fixture.users.endUser.username }
      const challenge = await BaseAuthApi.createUserActionChallenge(
        { userActionPayload: JSON.stringify(body), userActionHttpMethod: 'POST', userActionHttpPath: LOGIN, userActionServerKind: 'Api' },
        opts,
      )
      const firstFactor = await signerOf(account).sign(challenge)
      const { userAction } = await BaseAuthApi.signUserActionChallenge(
        { challengeIdentifier: challenge.challengeIdentifier, firstFactor },
        opts,
      )
      const send = () =>
        utils.simpleFetch(LOGIN, { method: 'POST', body, headers: { 'x-dfns-useraction': userAction }, apiOptions: opts })
      const first = await send()
      assert.equal(first.status, 200)
      await assertDfnsError(send(), 400, 'user action has already been used')
    })
  })
}
