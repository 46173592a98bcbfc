// The platform's whole user journey through the SDK's own client methods,
// shared by the @dfns/sdk 0.8 and 0.6 suites: a service account registers a
// user by delegation, the user registers a Key credential the way the
// browser SDK builds it, is logged in by delegation, signs a user action
// with that credential, is deactivated, activated and archived through the
// users API, and logs out. Each suite passes in its own installed packages;
// this file imports none.
import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, it, before } from 'node:test'

const PEM = /^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END PUBLIC KEY-----$/

// What `BrowserKeySigner.create()` of @dfns/sdk-browser sends for a P-256
// key, rebuilt with node:crypto: clientData is the JSON text
// {"type":"key.create","challenge":...}; attestationData carries the PEM as
// WebCrypto's SPKI export is wrapped there (64 columns, no final newline) and
// the hex DER ECDSA signature over {"clientDataHash":<hex>,"publicKey":<PEM>}.
export function browserKeyCredential(challenge) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const credId = randomBytes(32).toString('base64url')
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).trimEnd()
  assert.match(publicKeyPem, PEM)
  const clientData = JSON.stringify({ type: 'key.create', challenge: challenge.challenge })
  const clientDataHash = createHash('sha256').update(clientData).digest('hex')
  const fingerprint = JSON.stringify({ clientDataHash, publicKey: publicKeyPem })
  const signature = sign('sha256', Buffer.from(fingerprint), privateKey).toString('hex')
  const attestationData = JSON.stringify({ publicKey: publicKeyPem, signature })
  return {
    credId,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    credential: {
      credentialKind: 'Key',
      credentialInfo: {
        credId,
        clientData: Buffer.from(clientData).toString('base64url'),
        attestationData: Buffer.from(attestationData).toString('base64url'),
      },
    },
  }
}

// label: the suite's name; slug: keeps this suite's usernames apart from the
// other suites'; updateUser(client, request): the SDK's way to call
// PUT /auth/users/{userId}; recreate(client, request): its way to ask for a
// fresh registration challenge.
export function defineJourney({ label, slug, sdk, AsymmetricKeySigner, jose, apiOptions, updateUser, recreate }) {
  const fixture = JSON.parse(readFileSync(process.env.SDK_FIXTURE, 'utf8'))
  const baseUrl = process.env.BASE_URL
  const { DfnsApiClient, DfnsDelegatedApiClient, DfnsError, BaseAuthApi } = sdk
  const backend = fixture.accounts.lifecycle
  const loginOnly = fixture.accounts.loginOnly

  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
  const username = (name) => `journey-${slug}-${run}-${name}@example.co`

  const options = (authToken) => ({ ...apiOptions(fixture), baseUrl, authToken })
  const accountSigner = (account) => new AsymmetricKeySigner({ credId: account.credId, privateKey: account.privateKey })
  const accountClient = (account) => new DfnsApiClient({ ...options(account.token), signer: accountSigner(account) })
  // A client holding only a token: what the user's device has before it
  // registers (the temporary token), or a user without its key at hand.
  const tokenClient = (token) => new DfnsApiClient(options(token))
  // Signing done by the caller (an HSM, a KMS): the delegated client's
  // <method>Init returns the challenge, <method>Complete sends the request.
  const delegatedClient = (token) => new DfnsDelegatedApiClient(options(token))
  async function externallySigned(account, method, request) {
    const api = delegatedClient(account.token)
    const challenge = await api.auth[`${method}Init`](request)
    const firstFactor = await accountSigner(account).sign(challenge)
    return api.auth[`${method}Complete`](request, { challengeIdentifier: challenge.challengeIdentifier, firstFactor })
  }
  const keySigner = (key) => new AsymmetricKeySigner({ credId: key.credId, privateKey: key.privateKey })
  const userClient = (token, key) => new DfnsApiClient({ ...options(token), signer: keySigner(key) })

  let jwks
  before(async () => {
    const response = await fetch(`${baseUrl}/.well-known/jwks.json`)
    assert.equal(response.status, 200)
    jwks = jose.createLocalJWKSet(await response.json())
  })

  async function verify(token) {
    const { payload } = await jose.jwtVerify(token, jwks, {
      issuer: fixture.issuer,
      audience: 'dfns:auth:user',
      algorithms: ['ES256'],
    })
    return payload
  }

  // A login token for `user` (`{id, username}`), logged in by `actor` (a
  // service account) or, without one, issued at registration.
  async function assertLoginToken(token, user, actor) {
    const payload = await verify(token)
    assert.equal(payload.sub, fixture.orgId)
    assert.equal(payload['https://custom/username'], user.username)
    assert.deepEqual(payload['https://custom/app_metadata'], {
      userId: user.id,
      orgId: fixture.orgId,
      tokenKind: 'Token',
    })
    if (actor) assert.deepEqual(payload.act, { sub: actor.userId })
    else assert.equal(payload.act, undefined)
  }

  async function assertDfnsError(promise, status, message) {
    await assert.rejects(promise, (err) => {
      assert.ok(err instanceof DfnsError, `expected DfnsError, got ${err}`)
      assert.equal(err.httpStatus, status)
      assert.equal(err.message, message)
      return true
    })
  }

  const forbidden = (kind, id, operation) => `${kind} ${id} is not authorized to perform operation (${operation})`

  // Proves a token is live for its user, and that the user's credential signs:
  // a user action challenge, signed by the user's key, traded for a user action.
  async function signUserAction(token, key) {
    const api = tokenClient(token)
    const challenge = await api.auth.createUserActionChallenge({
      body: {
        userActionPayload: JSON.stringify({ username: 'anyone@example.co' }),
        userActionHttpMethod: 'POST',
        userActionHttpPath: '/auth/login/delegated',
        userActionServerKind: 'Api',
      },
    })
    assert.deepEqual(
      challenge.allowCredentials.key.map((c) => c.id),
      [key.credId],
    )
    const firstFactor = await keySigner(key).sign(challenge)
    const { userAction } = await api.auth.createUserActionSignature({
      body: { challengeIdentifier: challenge.challengeIdentifier, firstFactor },
    })
    assert.equal(typeof userAction, 'string')
    assert.ok(userAction.length > 0)
    return userAction
  }
  const refused = (token, key) => assertDfnsError(signUserAction(token, key), 401, 'Not Authorized.')

  const login = async (name, actor = backend) => {
    const { token } = await accountClient(actor).auth.delegatedLogin({ body: { username: name } })
    return token
  }

  describe(`${label}: the user journey`, () => {
    // Shared by the steps below, which run in order.
    const alice = { username: username('alice') }
    const bob = { username: username('bob') }
    let aliceKey, aliceToken, aliceCredential

    it('createDelegatedRegistrationChallenge: a challenge and a temporary JWT for a new user', async () => {
      const challenge = await accountClient(backend).auth.createDelegatedRegistrationChallenge({
        body: { email: alice.username, kind: 'EndUser' },
      })
      assert.match(challenge.user.id, /^us-/)
      assert.equal(challenge.user.name, alice.username)
      assert.equal(challenge.user.displayName, alice.username)
      assert.deepEqual(challenge.supportedCredentialKinds, { firstFactor: ['Key'], secondFactor: [] })
      assert.match(challenge.challenge, /^[A-Za-z0-9_-]{22,}$/)
      const temp = await verify(challenge.temporaryAuthenticationToken)
      assert.deepEqual(temp['https://custom/app_metadata'], {
        userId: challenge.user.id,
        orgId: fixture.orgId,
        tokenKind: 'Temp',
      })
      assert.equal(temp.exp - temp.iat, 15 * 60)
      alice.id = challenge.user.id
      alice.first = challenge
    })

    it('a fresh challenge replaces the first, whose temporary token then fails', async () => {
      const fresh = await recreate(accountClient(backend), { body: { email: alice.username, kind: 'EndUser' } })
      assert.equal(fresh.user.id, alice.id)
      assert.notEqual(fresh.challenge, alice.first.challenge)
      const stale = browserKeyCredential(alice.first)
      await assertDfnsError(
        tokenClient(alice.first.temporaryAuthenticationToken).auth.register({
          body: { firstFactorCredential: stale.credential },
        }),
        401,
        'Not Authorized.',
      )
      alice.challenge = fresh
    })

    it('the temporary token is no login token', () =>
      assertDfnsError(
        tokenClient(alice.challenge.temporaryAuthenticationToken).auth.listUsers(),
        401,
        'Not Authorized.',
      ))

    it('register: the user registers the Key credential BrowserKeySigner.create() builds', async () => {
      aliceKey = browserKeyCredential(alice.challenge)
      const temp = tokenClient(alice.challenge.temporaryAuthenticationToken)
      const registered = await temp.auth.register({
        body: { firstFactorCredential: { ...aliceKey.credential, credentialName: 'laptop' } },
      })
      assert.match(registered.credential.uuid, /^cr-/)
      assert.equal(registered.credential.kind, 'Key')
      assert.equal(registered.credential.name, 'laptop')
      assert.deepEqual(registered.user, { id: alice.id, username: alice.username, orgId: fixture.orgId })
      aliceCredential = registered.credential
      // The temporary token is spent.
      await assertDfnsError(
        temp.auth.register({ body: { firstFactorCredential: browserKeyCredential(alice.challenge).credential } }),
        401,
        'Not Authorized.',
      )
    })

    it('a registered user cannot be registered again', () =>
      assertDfnsError(
        accountClient(backend).auth.createDelegatedRegistrationChallenge({
          body: { email: alice.username, kind: 'EndUser' },
        }),
        401,
        'User already exists.',
      ))

    it('registerEndUser with no wallets: registered and logged in at once', async () => {
      const challenge = await accountClient(backend).auth.createDelegatedRegistrationChallenge({
        body: { email: bob.username, kind: 'EndUser' },
      })
      bob.id = challenge.user.id
      bob.key = browserKeyCredential(challenge)
      const registered = await tokenClient(challenge.temporaryAuthenticationToken).auth.registerEndUser({
        body: { firstFactorCredential: bob.key.credential, wallets: [] },
      })
      assert.equal(registered.credential.kind, 'Key')
      assert.deepEqual(registered.user, { id: bob.id, username: bob.username, orgId: fixture.orgId })
      assert.deepEqual(registered.wallets, [])
      await assertLoginToken(registered.authentication.token, bob)
      await signUserAction(registered.authentication.token, bob.key)
      bob.token = registered.authentication.token
    })

    it('delegatedLogin of the new user', async () => {
      aliceToken = await login(alice.username)
      await assertLoginToken(aliceToken, alice, backend)
    })

    it('the user signs a user action with its registered credential', () => signUserAction(aliceToken, aliceKey))

    it("the SDK's own signed write, as an end user: signed, then refused by permission", async () => {
      const api = userClient(aliceToken, aliceKey)
      // The SDK signs the user action with the user's key (that part must
      // succeed), then the users API refuses an end user.
      await assertDfnsError(
        api.auth.deactivateUser({ userId: bob.id }),
        403,
        forbidden('EndUser', alice.id, 'Auth:Users:Update'),
      )
      await assertDfnsError(api.auth.listUsers(), 403, forbidden('EndUser', alice.id, 'Auth:Users:Read'))
    })

    it('listUsers pages with limit and finds the new users', async () => {
      const api = accountClient(backend)
      const seen = []
      let paginationToken
      let pages = 0
      do {
        const query = paginationToken ? { limit: 2, paginationToken } : { limit: 2 }
        const page = await api.auth.listUsers({ query })
        assert.ok(page.items.length <= 2)
        seen.push(...page.items)
        paginationToken = page.nextPageToken
        pages += 1
        assert.ok(pages < 100, 'pagination does not end')
      } while (paginationToken)
      assert.ok(pages > 1, 'expected more than one page')
      const ids = seen.map((u) => u.userId)
      assert.equal(new Set(ids).size, ids.length, 'a user listed twice')
      assert.ok(!ids.includes(backend.userId), 'service accounts are not users')
      const listed = seen.find((u) => u.userId === alice.id)
      assert.ok(listed, 'the new user is listed')
      assert.equal(listed.username, alice.username)
      assert.equal(listed.credentialUuid, aliceCredential.uuid)
      assert.ok(seen.some((u) => u.userId === bob.id))
    })

    it('getUser', async () => {
      const user = await accountClient(backend).auth.getUser({ userId: alice.id })
      assert.equal(user.userId, alice.id)
      assert.equal(user.username, alice.username)
      assert.equal(user.kind, 'EndUser')
      assert.equal(user.orgId, fixture.orgId)
      assert.equal(user.credentialUuid, aliceCredential.uuid)
      assert.equal(user.isActive, true)
      assert.equal(user.isRegistered, true)
      assert.equal(user.isServiceAccount, false)
      assert.equal(user.isSSORequired, false)
    })

    it('updateUser: isSSORequired is stored and echoed', async () => {
      const api = accountClient(backend)
      const updated = await updateUser(api, { userId: alice.id, body: { isSSORequired: true } })
      assert.equal(updated.isSSORequired, true)
      assert.equal((await api.auth.getUser({ userId: alice.id })).isSSORequired, true)
      const reverted = await updateUser(api, { userId: alice.id, body: { isSSORequired: false } })
      assert.equal(reverted.isSSORequired, false)
    })

    it('deactivateUser: login refused, the earlier token dead', async () => {
      const user = await accountClient(backend).auth.deactivateUser({ userId: alice.id })
      assert.equal(user.isActive, false)
      await assertDfnsError(login(alice.username), 400, 'User account has been deactivated.')
      await refused(aliceToken, aliceKey)
    })

    it('activateUser: login works again, the earlier token stays dead', async () => {
      const user = await accountClient(backend).auth.activateUser({ userId: alice.id })
      assert.equal(user.isActive, true)
      const token = await login(alice.username)
      await assertLoginToken(token, alice, backend)
      await signUserAction(token, aliceKey)
      await refused(aliceToken, aliceKey)
      aliceToken = token
    })

    it('logout: the token is then refused', async () => {
      const result = await tokenClient(aliceToken).auth.logout()
      assert.deepEqual(result, { message: 'success' })
      await refused(aliceToken, aliceKey)
      await assertDfnsError(tokenClient(aliceToken).auth.logout(), 401, 'Not Authorized.')
    })

    it('logout with allSessions ends every token of the user', async () => {
      const first = await login(alice.username)
      const second = await login(alice.username)
      await signUserAction(first, aliceKey)
      await signUserAction(second, aliceKey)
      const result = await tokenClient(first).auth.logout({ body: { allSessions: true } })
      assert.deepEqual(result, { message: 'success' })
      await refused(first, aliceKey)
      await refused(second, aliceKey)
      // Another user's session is untouched.
      await signUserAction(bob.token, bob.key)
      // A new login works at once.
      await signUserAction(await login(alice.username), aliceKey)
    })

    it('BaseAuthApi.userLogout ends the token registerEndUser issued', async () => {
      assert.deepEqual(await BaseAuthApi.userLogout(options(bob.token)), { message: 'success' })
      await refused(bob.token, bob.key)
    })

    it('a service account cannot log out', () =>
      assertDfnsError(
        tokenClient(backend.token).auth.logout(),
        403,
        'service accounts cannot log out; revoke the token instead',
      ))

    it('a service account holding only Auth:Delegated:Login logs the user in, and does nothing else', async () => {
      const token = await login(alice.username, loginOnly)
      await assertLoginToken(token, alice, loginOnly)
      await signUserAction(token, aliceKey)
      const api = accountClient(loginOnly)
      await assertDfnsError(
        api.auth.createDelegatedRegistrationChallenge({ body: { email: username('carol'), kind: 'EndUser' } }),
        403,
        forbidden('CustomerEmployee', loginOnly.userId, 'Auth:Users:Create'),
      )
      await assertDfnsError(api.auth.listUsers(), 403, forbidden('CustomerEmployee', loginOnly.userId, 'Auth:Users:Read'))
    })

    it('archiveUser: the user is gone for good', async () => {
      const api = accountClient(backend)
      const token = await login(alice.username)
      const archived = await api.auth.archiveUser({ userId: alice.id })
      assert.equal(archived.isActive, false)
      await assertDfnsError(login(alice.username), 401, 'User not found')
      await refused(token, aliceKey)
      // Still readable, never listed, never changed again.
      assert.equal((await api.auth.getUser({ userId: alice.id })).userId, alice.id)
      const { items } = await api.auth.listUsers({ query: { limit: 200 } })
      assert.ok(!items.some((u) => u.userId === alice.id))
      await assertDfnsError(api.auth.activateUser({ userId: alice.id }), 404, 'User not found')
      await assertDfnsError(
        api.auth.createDelegatedRegistrationChallenge({ body: { email: alice.username, kind: 'EndUser' } }),
        401,
        'User already exists.',
      )
    })
  })
  describe(`${label}: the journey through DfnsDelegatedApiClient (external signing)`, () => {
    const dana = { username: username('dana') }
    let danaKey

    it('createDelegatedRegistrationChallengeInit/Complete, then register', async () => {
      const request = { body: { email: dana.username, kind: 'EndUser' } }
      const challenge = await externallySigned(backend, 'createDelegatedRegistrationChallenge', request)
      assert.equal(challenge.user.name, dana.username)
      dana.id = challenge.user.id
      danaKey = browserKeyCredential(challenge)
      const registered = await delegatedClient(challenge.temporaryAuthenticationToken).auth.register({
        body: { firstFactorCredential: danaKey.credential },
      })
      assert.deepEqual(registered.user, { id: dana.id, username: dana.username, orgId: fixture.orgId })
    })

    it('delegatedLoginInit/Complete of the new user, who signs with its credential', async () => {
      const { token } = await externallySigned(backend, 'delegatedLogin', { body: { username: dana.username } })
      await assertLoginToken(token, dana, backend)
      await signUserAction(token, danaKey)
      dana.token = token
    })

    it('listUsers and getUser', async () => {
      const api = delegatedClient(backend.token)
      const { items } = await api.auth.listUsers({ query: { limit: 200 } })
      assert.ok(items.some((u) => u.userId === dana.id))
      assert.equal((await api.auth.getUser({ userId: dana.id })).isRegistered, true)
    })

    it('updateUserInit/Complete, where the SDK has it', async (t) => {
      if (typeof delegatedClient(backend.token).auth.updateUserInit !== 'function') {
        t.skip('this SDK version has no updateUser')
        return
      }
      const user = await externallySigned(backend, 'updateUser', { userId: dana.id, body: { isSSORequired: true } })
      assert.equal(user.isSSORequired, true)
    })

    it('deactivateUserInit/Complete and activateUserInit/Complete', async () => {
      const off = await externallySigned(backend, 'deactivateUser', { userId: dana.id })
      assert.equal(off.isActive, false)
      await refused(dana.token, danaKey)
      await assertDfnsError(
        externallySigned(backend, 'delegatedLogin', { body: { username: dana.username } }),
        400,
        'User account has been deactivated.',
      )
      const on = await externallySigned(backend, 'activateUser', { userId: dana.id })
      assert.equal(on.isActive, true)
      const { token } = await externallySigned(backend, 'delegatedLogin', { body: { username: dana.username } })
      dana.token = token
    })

    it('logout', async () => {
      assert.deepEqual(await delegatedClient(dana.token).auth.logout({ body: { allSessions: true } }), {
        message: 'success',
      })
      await refused(dana.token, danaKey)
    })

    it('archiveUserInit/Complete', async () => {
      const archived = await externallySigned(backend, 'archiveUser', { userId: dana.id })
      assert.equal(archived.isActive, false)
      await assertDfnsError(
        externallySigned(backend, 'delegatedLogin', { body: { username: dana.username } }),
        401,
        'User not found',
      )
    })
  })
}
