import { signedCookie } from 'cookie-parser';
import crypto from 'node:crypto';
import request from 'supertest';
import { newFormToken, signFormToken, verifyFormToken } from '../../server/services/form-token';
import { createApiToken } from '../../server/services/tokens';
import { deriveKey } from '../../server/secrets';
import { DEVICE_COOKIE } from '../../server/http/device';
import { csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';

/**
 * Every signed or secret value is verified exactly (issue 12): the canonical text, compared in
 * full, never a lenient decoding. Each test tries every change of every position deterministically.
 */

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** What a forger might add or put in: padding, separators, whitespace, NUL, percent-escapes. */
const EXTRAS = ['=', '==', '.', ' ', '\t', '\n', '\r\n', '\u0000', '%00', '\u00a0', '\ufeff', '+', '/'];

/** Every variant of `value`: each position substituted by each of `alphabet` and EXTRAS, each position removed, EXTRAS and `alphabet` appended and prepended. */
function* variants(value: string, alphabet: string): Generator<string> {
  const chars = [...alphabet, ...EXTRAS];
  for (let i = 0; i < value.length; i++) {
    for (const c of chars) if (c !== value[i]) yield value.slice(0, i) + c + value.slice(i + 1);
    yield value.slice(0, i) + value.slice(i + 1);
  }
  for (const c of chars) {
    yield value + c;
    yield c + value;
  }
}

describe('form token verification', () => {
  const key = deriveKey('test-secret-test-secret-test-secret-0123456789', 'form-token');
  const token = signFormToken(key, newFormToken('0190f3c2-6c1e-7b4a-9d8e-0123456789ab', 3, 1_767_000_000_000, 'qr'));

  it('accepts the token exactly as signed, and no other key accepts it', () => {
    expect(verifyFormToken(key, token)).toMatchObject({ publicationId: '0190f3c2-6c1e-7b4a-9d8e-0123456789ab', version: 3, channel: 'qr' });
    expect(verifyFormToken(deriveKey('test-secret-test-secret-test-secret-0123456789', 'preview-token'), token)).toBeNull();
  });

  it('refuses every substitution of every character, every removal, and anything appended or prepended', () => {
    let tried = 0;
    const accepted: string[] = [];
    for (const forged of variants(token, `${BASE64URL}.`)) {
      tried++;
      if (verifyFormToken(key, forged) !== null) accepted.push(JSON.stringify(forged));
    }
    expect(accepted).toEqual([]);
    // ~150 positions × ~80 characters: the old lenient check let 3 of every 64 last-character forgeries through.
    expect(tried).toBeGreaterThan(10_000);
  });

  it('refuses a token that is not `<payload>.<43-character MAC>` in the base64url alphabet', () => {
    const [payload, mac] = token.split('.') as [string, string];
    const padded = `${payload}.${mac}=`;
    for (const bad of [padded, `${payload}..${mac}`, `${payload}.${mac}.${mac}`, `.${mac}`, `${payload}.`, payload, '', `${payload}.${mac.slice(0, 42)}`, 42, null, [token], { token }]) {
      expect(verifyFormToken(key, bad)).toBeNull();
    }
  });
});

describe('a form token bound to a device (the questionnaire’s CSRF check)', () => {
  const key = deriveKey('test-secret-test-secret-test-secret-0123456789', 'form-token');
  const device = 'AbCdEfGhIjKlMnOpQrStUvWx';
  const form = newFormToken('0190f3c2-6c1e-7b4a-9d8e-0123456789ab', 3, 1_767_000_000_000, 'qr');
  const bound = signFormToken(key, form, device);

  it('verifies only with the device it was signed for, and says it is bound', () => {
    expect(verifyFormToken(key, bound, device)).toMatchObject({ publicationId: form.publicationId, submissionToken: form.submissionToken, deviceBound: true });
    for (const other of [undefined, null, '', `${device.slice(0, -1)}X`, `${device}A`, device.toLowerCase()]) expect(verifyFormToken(key, bound, other)).toBeNull();
    // The device id is not in the token (it is the cookie's secret).
    expect(Buffer.from(bound.split('.')[0]!, 'base64url').toString('utf8')).not.toContain(device);
  });

  it('keeps an unbound token (a form served before binding, or a preview) unbound, whatever device posts it', () => {
    const unbound = signFormToken(key, form);
    expect(verifyFormToken(key, unbound, device)).toMatchObject({ deviceBound: false });
    expect(verifyFormToken(key, unbound)).toMatchObject({ deviceBound: false });
  });

  it('cannot be turned into the other kind: the flag is under the MAC', () => {
    const unbound = signFormToken(key, form);
    const [boundPayload, boundMac] = bound.split('.') as [string, string];
    const [unboundPayload, unboundMac] = unbound.split('.') as [string, string];
    expect(verifyFormToken(key, `${unboundPayload}.${boundMac}`, device)).toBeNull();
    expect(verifyFormToken(key, `${boundPayload}.${unboundMac}`, device)).toBeNull();
    const accepted: string[] = [];
    for (const forged of variants(bound, `${BASE64URL}.`)) if (verifyFormToken(key, forged, device) !== null) accepted.push(JSON.stringify(forged));
    expect(accepted).toEqual([]);
  });
});

describe('signed cookies (device id, session id)', () => {
  const secret = deriveKey('test-secret-test-secret-test-secret-0123456789', 'cookie').toString('hex');
  // How cookie-signature signs: HMAC-SHA256 in base64 without padding after a dot.
  const id = 'AbCdEfGhIjKlMnOpQrStUvWx';
  const value = `s:${id}.${crypto.createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '')}`;

  it('are read back only exactly as signed (cookie-parser with cookie-signature compares the whole signed text)', () => {
    expect(signedCookie(value, secret)).toBe('AbCdEfGhIjKlMnOpQrStUvWx');
    const accepted: string[] = [];
    for (const forged of variants(value.slice(2), BASE64)) {
      const read = signedCookie(`s:${forged}`, secret);
      // A cookie value that lost its signature comes back unsigned as false, never as the id.
      if (read !== false) accepted.push(JSON.stringify(forged));
    }
    expect(accepted).toEqual([]);
  });
});

describe('signed values over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('replaces a device cookie whose signature was altered by a fresh one', async () => {
    const first = await request(t.app).get('/login').expect(200);
    const cookie = String(first.headers['set-cookie']).match(new RegExp(`${DEVICE_COOKIE.replace('.', '\\.')}=([^;]+)`))![1]!;
    for (const forged of [`${cookie}%00`, `${cookie}%20`, `${cookie.slice(0, -1)}${cookie.endsWith('A') ? 'B' : 'A'}`, `${cookie}%3D`]) {
      const res = await request(t.app).get('/login').set('Cookie', `${DEVICE_COOKIE}=${forged}`).expect(200);
      // A new device cookie is issued: the altered one was not accepted as this browser's id.
      expect(String(res.headers['set-cookie'])).toContain(`${DEVICE_COOKIE}=`);
    }
    const same = await request(t.app).get('/login').set('Cookie', `${DEVICE_COOKIE}=${cookie}`).expect(200);
    expect(String(same.headers['set-cookie'])).not.toContain(`${DEVICE_COOKIE}=`);
  });

  it('does not treat a session cookie with any changed last character or an appended byte as logged in', async () => {
    const { agent } = await loginAs(t, 'admin');
    const jar = agent.jar.getCookie('manyi.sid', { domain: '127.0.0.1', path: '/', secure: false, script: false }) ?? agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).find((c) => c.name === 'manyi.sid');
    const sid = jar!.value;
    // The cookie as it is passes, so the refusals below are about the changes.
    await request(t.app).get('/admin').set('Cookie', `manyi.sid=${sid}`).expect(200);
    const forgeries = [...BASE64].filter((c) => !sid.endsWith(c)).map((c) => sid.slice(0, -1) + c).concat([`${sid}%00`, `${sid}%20`, `${sid}%3D`]);
    for (const forged of forgeries) {
      const res = await request(t.app).get('/admin').set('Cookie', `manyi.sid=${forged}`);
      expect([res.status, res.headers.location]).toEqual([303, '/login?next=%2Fadmin']);
    }
  });

  it('refuses a CSRF token with any changed last character or an appended character', async () => {
    const { agent } = await loginAs(t, 'admin');
    const csrf = csrfFrom((await agent.get('/admin/sites/new').expect(200)).text);
    const forgeries = [...BASE64URL, '=', '+', '/'].filter((c) => !csrf.endsWith(c)).map((c) => csrf.slice(0, -1) + c).concat([`${csrf}\u0000`, `${csrf} `, `${csrf}=`]);
    for (const forged of forgeries) {
      await agent.post('/admin/sites').type('form').send({ _csrf: forged, code: 'SIG1', name: '站', kind: 'township' }).expect(403);
    }
    expect(await t.store.sites.getByCode('SIG1')).toBeNull();
    await agent.post('/admin/sites').type('form').send({ _csrf: csrf, code: 'SIG1', name: '站', kind: 'township' }).expect(303);
    expect(await t.store.sites.getByCode('SIG1')).not.toBeNull();
  });

  it('refuses an API token with any changed character, appended byte or lost prefix', async () => {
    const { user } = await loginAs(t, 'admin');
    const { token } = await createApiToken(t.deps, user, { scope: 'read' });
    await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    const forgeries = [`${token}A`, `${token}=`, token.slice(0, -1), token.slice('manyi_'.length), token.toUpperCase(), ...[...BASE64URL].filter((c) => !token.endsWith(c)).map((c) => token.slice(0, -1) + c)];
    for (const forged of forgeries) await request(t.app).get('/api/v1/me').set('Authorization', `Bearer ${forged}`).expect(401);
  });
});
