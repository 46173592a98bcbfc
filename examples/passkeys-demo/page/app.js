// The page: creates passkeys and signs with them through the published
// @dfns/sdk-browser (WebAuthnSigner); everything else is the backend's.
import { WebAuthnSigner } from '@dfns/sdk-browser'

const $ = (id) => document.getElementById(id)

// The backend's JSON API; an error answer becomes an Error with its status.
async function api(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const answer = await response.json()
  if (!response.ok) {
    const error = new Error(`${response.status} ${answer?.error?.message ?? response.statusText}`)
    error.status = response.status
    throw error
  }
  return answer
}

let signer

function status(text, isError = false) {
  $('status').textContent = text
  $('status').className = isError ? 'error' : ''
}

// Runs one step of the UI: buttons are disabled meanwhile, and its outcome is shown.
async function step(busyText, run) {
  const buttons = [...document.querySelectorAll('button')]
  buttons.forEach((b) => (b.disabled = true))
  status(busyText)
  try {
    status(await run())
  } catch (error) {
    status(error.message, true)
  } finally {
    buttons.forEach((b) => (b.disabled = false))
  }
}

// A signed write: the backend answers the user action challenge, an existing passkey signs it.
async function signedAction(action, fields) {
  const challenge = await api('/api/actions', { action, ...fields })
  const firstFactor = await signer.sign(challenge)
  return api('/api/actions/complete', { firstFactor })
}

async function showSignedIn(me) {
  $('signed-out').hidden = true
  $('signed-in').hidden = false
  $('who').textContent = me.username
  $('user-id').textContent = me.userId
  await showCredentials()
}

function showSignedOut() {
  $('signed-in').hidden = true
  $('signed-out').hidden = false
}

async function showCredentials() {
  const { items } = await api('/api/credentials')
  const rows = items.map((c) => {
    const row = document.createElement('tr')
    row.dataset.credentialUuid = c.credentialUuid
    const cells = [c.name, c.kind, c.relyingPartyId, c.origin, c.dateCreated.slice(0, 16).replace('T', ' ')]
    for (const text of cells) {
      const cell = row.insertCell()
      cell.textContent = text
    }
    const state = row.insertCell()
    state.textContent = c.isActive ? 'active' : 'inactive'
    state.className = c.isActive ? 'active' : 'inactive'
    const button = document.createElement('button')
    button.className = 'secondary toggle'
    button.textContent = c.isActive ? 'Deactivate' : 'Activate'
    button.onclick = () => step(`${button.textContent.replace(/e$/, '')}ing ${c.name}: confirm with a passkey`, async () => {
      await signedAction(c.isActive ? 'deactivateCredential' : 'activateCredential', { credentialUuid: c.credentialUuid })
      await showCredentials()
      return `${c.name} is ${c.isActive ? 'inactive' : 'active'}`
    })
    row.insertCell().append(button)
    return row
  })
  $('credentials').tBodies[0].replaceChildren(...rows)
}

async function signUp(username) {
  const challenge = await api('/api/signup', { username })
  const attestation = await signer.create(challenge)
  const me = await api('/api/signup/complete', { attestation, credentialName: 'first passkey' })
  await showSignedIn(me)
  return `Signed up and logged in as ${me.username}`
}

async function addPasskey(credentialName) {
  const challenge = await api('/api/credentials/init', {})
  const attestation = await signer.create(challenge)
  await signedAction('createCredential', {
    attestation, credentialName, challengeIdentifier: challenge.challengeIdentifier,
  })
  await showCredentials()
  return `Added the passkey "${credentialName}"`
}

async function start() {
  const { rp } = await api('/api/config')
  signer = new WebAuthnSigner({ relyingParty: rp })
  $('signup-form').onsubmit = (e) => {
    e.preventDefault()
    step('Creating your passkey...', () => signUp($('username').value))
  }
  $('add-form').onsubmit = (e) => {
    e.preventDefault()
    step('Creating the new passkey, then confirming with one you have...', () => addPasskey($('credential-name').value))
  }
  $('logout').onclick = () => step('Logging out...', async () => {
    await api('/api/logout', {})
    showSignedOut()
    return 'Logged out'
  })
  try {
    await showSignedIn(await api('/api/me'))
  } catch (error) {
    if (error.status !== 401) status(error.message, true)
    showSignedOut()
  }
  document.body.dataset.ready = 'true'
}

start()
