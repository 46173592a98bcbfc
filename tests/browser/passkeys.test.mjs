// The passkeys demo page in headless Chromium: CDP virtual authenticators are
// the visitor's devices, the page's @dfns/sdk-browser WebAuthnSigner uses them
// through navigator.credentials exactly as it would use real ones.
//
// One visitor, in order: signs up with a passkey on device A (the laptop's
// platform authenticator) and is logged in, adds a second passkey from
// device B (a security key) with a user action signed on A, sees both
// listed, deactivates and reactivates B's (signed on A), cannot make a second
// one on A (the challenge's excludeCredentials), and finally a clone
// of A's passkey, copied at sign-up and so behind A's sign count, is refused:
// 401 `Credential assertion is not valid.` And a page on an origin the org
// does not list cannot register one.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import puppeteer from 'puppeteer-core'

const demoUrl = process.env.DEMO_URL
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium'
const screenshot = process.env.SCREENSHOT
// The same demo on an origin the org's passkey settings do not list.
const unlistedUrl = process.env.UNLISTED_URL
assert.ok(demoUrl, 'DEMO_URL is the demo page (tests/browser/run.sh sets it)')

// Passkeys with user verification. Chromium allows one internal (platform)
// authenticator per page: the laptop's. Further devices are security keys.
const LAPTOP = {
  protocol: 'ctap2',
  transport: 'internal',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: false,
}
const SECURITY_KEY = { ...LAPTOP, transport: 'usb' }
const username = `visitor-${Date.now()}@example.co`

let browser, page, cdp, userDataDir
const devices = {} // name -> authenticatorId

before(async () => {
  userDataDir = await mkdtemp(join(tmpdir(), 'passkeys-chromium-'))
  browser = await puppeteer.launch({
    executablePath,
    headless: true,
    userDataDir,
    // Without the background-networking flags Chromium keeps dialing out, and
    // a closed network refuses it.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  page = await browser.newPage()
  await page.setViewport({ width: 1000, height: 640 })
  page.on('console', (m) => m.type() === 'error' && console.error('page:', m.text()))
  cdp = await page.createCDPSession()
  await cdp.send('WebAuthn.enable', { enableUI: false })
  await page.goto(demoUrl)
  await page.waitForSelector('body[data-ready="true"]')
})

after(async () => {
  await browser?.close()
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true })
})

async function addDevice(name, options) {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options })
  devices[name] = authenticatorId
  return authenticatorId
}

// Only `name` answers the next WebAuthn call, as when the visitor touches that
// device: the others wait for a touch that never comes.
async function touch(name) {
  for (const [other, authenticatorId] of Object.entries(devices)) {
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled: other === name })
  }
}

async function credentialsOn(name) {
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: devices[name] })
  return credentials
}

// The credentials as the backend lists them (GET /auth/credentials with the user's token).
async function listed() {
  return page.evaluate(async () => (await (await fetch('/api/credentials')).json()).items)
}

// Clicks a button and waits for the page's step to end: its status line says
// how it went (class "error" for a failure).
async function run(selector, on = page) {
  await on.click(selector)
  await on.waitForFunction(() => !document.querySelector('button:disabled'))
  return on.$eval('#status', (e) => ({ text: e.textContent, error: e.className === 'error' }))
}

// The same credential id, as CDP (base64) and the service (base64url) spell it.
const sameId = (cdpId, serviceId) => Buffer.from(cdpId, 'base64').equals(Buffer.from(serviceId, 'base64url'))

let atSignUp // device A's passkey as it was right after sign-up: what a cloner copies

test('sign-up creates a passkey on device A and logs the visitor in', async () => {
  await addDevice('A', LAPTOP)
  await touch('A')
  await page.type('#username', username)
  const status = await run('#signup')
  assert.equal(status.error, false, status.text)
  assert.equal(status.text, `Signed up and logged in as ${username}`)
  assert.equal(await page.$eval('#who', (e) => e.textContent), username)
  assert.equal(await page.$eval('#signed-in', (e) => e.hidden), false)

  const [onA] = await credentialsOn('A')
  assert.ok(onA, 'device A holds the new passkey')
  assert.equal(onA.rpId, 'localhost')
  assert.equal(Buffer.from(onA.userHandle, 'base64').toString(), await page.$eval('#user-id', (e) => e.textContent),
    'the user handle is the UTF-8 bytes of the user id')
  const items = await listed()
  assert.equal(items.length, 1)
  assert.ok(sameId(onA.credentialId, items[0].credentialId), 'the registered credential is the one on device A')
  assert.equal(items[0].kind, 'Fido2')
  assert.equal(items[0].relyingPartyId, 'localhost')
  assert.equal(items[0].origin, demoUrl)
  assert.equal(items[0].isActive, true)
  atSignUp = onA
})

test('a second passkey from device B, added with a user action signed on device A', async () => {
  await addDevice('B', SECURITY_KEY)
  await touch('B') // creates the new passkey ...
  await page.setRequestInterception(true)
  const switchToA = async (request) => {
    // ... then, once it exists, the user action is signed with the one on A.
    if (request.url().endsWith('/api/actions')) await touch('A')
    await request.continue()
  }
  page.on('request', switchToA)
  const countBefore = (await credentialsOn('A'))[0].signCount
  const status = await run('#add-passkey')
  page.off('request', switchToA)
  await page.setRequestInterception(false)
  assert.equal(status.error, false, status.text)
  assert.equal(status.text, 'Added the passkey "second device"')

  const [onB] = await credentialsOn('B')
  assert.ok(onB, 'device B holds the second passkey')
  assert.ok((await credentialsOn('A'))[0].signCount > countBefore, 'device A signed the user action')
  const items = await listed()
  assert.equal(items.length, 2)
  const second = items.find((c) => sameId(onB.credentialId, c.credentialId))
  assert.ok(second, 'the credential on device B is listed')
  assert.equal(second.name, 'second device')
  assert.ok(items.every((c) => c.kind === 'Fido2' && c.isActive))
  const rows = await page.$$eval('#credentials tbody tr', (trs) => trs.map((tr) => tr.cells[0].textContent))
  assert.deepEqual(rows.sort(), ['first passkey', 'second device'])
  if (screenshot) await page.screenshot({ path: screenshot })
})

test('device A deactivates and reactivates the second passkey', async () => {
  await touch('A')
  const second = (await listed()).find((c) => c.name === 'second device')
  const button = `tr[data-credential-uuid="${second.credentialUuid}"] button.toggle`
  let status = await run(button)
  assert.equal(status.error, false, status.text)
  assert.equal((await listed()).find((c) => c.name === 'second device').isActive, false)
  status = await run(button)
  assert.equal(status.error, false, status.text)
  assert.equal((await listed()).find((c) => c.name === 'second device').isActive, true)
})

test('device A cannot hold a second passkey of the visitor: the challenge excludes its credential', async () => {
  await touch('A')
  const status = await run('#add-passkey')
  assert.equal(status.error, true, status.text)
  // The browser refuses (InvalidStateError): no new passkey reaches the backend.
  assert.match(status.text, /already registered/)
  assert.doesNotMatch(status.text, /^\d{3} /, 'not an answer of the backend')
  const onA = await credentialsOn('A')
  assert.equal(onA.length, 1)
  assert.equal(onA[0].credentialId, atSignUp.credentialId, 'the first passkey is still there')
  assert.equal((await listed()).length, 2)
})

test("a clone of device A's passkey, behind A's sign count, is refused", async () => {
  // The clone: A's passkey (private key and all) as it was at sign-up, on a new device.
  await addDevice('clone', SECURITY_KEY)
  await cdp.send('WebAuthn.addCredential', { authenticatorId: devices.clone, credential: atSignUp })
  await touch('clone')
  const second = (await listed()).find((c) => c.name === 'second device')
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/actions/complete'))
  const status = await run(`tr[data-credential-uuid="${second.credentialUuid}"] button.toggle`)
  assert.equal((await answer).status(), 401)
  assert.equal(status.error, true)
  assert.equal(status.text, '401 Credential assertion is not valid.')

  // It was the clone that signed, with a count not above the original's.
  const [clone] = await credentialsOn('clone')
  const [original] = await credentialsOn('A')
  assert.ok(clone.signCount > atSignUp.signCount, 'the clone signed')
  assert.ok(clone.signCount <= original.signCount, 'the clone is behind the original')
  assert.ok((await listed()).every((c) => c.isActive), 'nothing changed')

  // The same action signed by the original device passes: the clone was refused for being a clone.
  await touch('A')
  const again = await run(`tr[data-credential-uuid="${second.credentialUuid}"] button.toggle`)
  assert.equal(again.error, false, again.text)
  assert.equal((await listed()).find((c) => c.name === 'second device').isActive, false)
})

test('a page on an origin the org does not list cannot register a passkey', { skip: !unlistedUrl }, async () => {
  const other = await browser.newPage()
  const otherCdp = await other.createCDPSession()
  await otherCdp.send('WebAuthn.enable', { enableUI: false })
  const options = { ...LAPTOP, automaticPresenceSimulation: true }
  const { authenticatorId } = await otherCdp.send('WebAuthn.addVirtualAuthenticator', { options })
  await other.goto(unlistedUrl)
  await other.waitForSelector('body[data-ready="true"]')
  await other.type('#username', `unlisted-${Date.now()}@example.co`)
  const answer = other.waitForResponse((r) => r.url().endsWith('/api/signup/complete'))
  const status = await run('#signup', other)
  const { credentials } = await otherCdp.send('WebAuthn.getCredentials', { authenticatorId })
  await other.close()
  assert.equal(credentials.length, 1, 'the browser did create the passkey')
  assert.equal((await answer).status(), 401)
  assert.equal(status.text, '401 Credential assertion is not valid.')
})
