/**
 * Simulated residents against a real server process over loopback: each one opens a questionnaire
 * (keeping its own cookies), answers and submits, again and again, from its own (proxied) address.
 */
export interface Acknowledged {
  tokens: Set<string>;
  requests: number;
  failures: string[];
  statuses: Record<number, number>;
}

const LEVELS = ['5', '4', '3', '2', '1', 'na'];

/** The submission token inside a signed form token (payload.mac, payload = base64url JSON). */
export function submissionTokenOf(ft: string): string {
  const [payload] = ft.split('.');
  return (JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as unknown[])[4] as string;
}

/** A questionnaire's body; `csrf` only when the page had a CSRF token (a resident's form token is bound to the device and is its check). */
function answers(i: number, csrf: string | undefined, ft: string): string {
  const p = new URLSearchParams({ ...(csrf ? { _csrf: csrf } : {}), ft, q_category: ['tekun', 'elderly', 'child', 'disabled'][i % 4]!, q_age: '70_79', q_know_address: 'yes' });
  for (const [j, id] of ['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'].entries()) p.append(`q_${id}`, LEVELS[(i + j) % 6]!);
  p.append('q_received', 'visit');
  p.append('q_suggestions', `压力测试 ${i}`);
  return p.toString();
}

export async function openAndAnswer(base: string, code: string, ip: string, cookies: Map<string, string>, i: number) {
  const cookieHeader = () => [...cookies.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  const page = await fetch(`${base}/s/${code}`, { headers: { cookie: cookieHeader(), 'x-forwarded-for': ip } });
  remember(page);
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const ft = /name="ft" value="([^"]+)"/.exec(html)?.[1];
  if (page.status !== 200 || !ft) return { status: page.status, token: null, body: null as string | null, send: null as null | (() => Promise<Response>) };
  const body = answers(i, csrf, ft);
  const send = () =>
    fetch(`${base}/s/${code}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
      body,
    });
  return { status: 200, token: submissionTokenOf(ft), body, send };
}

/** `residents` concurrent loops for `seconds`; resolves with every acknowledged (303) submission token. */
export async function runResidents(base: string, codes: string[], residents: number, seconds: number, stopSignal?: { stop: boolean }): Promise<Acknowledged> {
  const ack: Acknowledged = { tokens: new Set(), requests: 0, failures: [], statuses: {} };
  const until = Date.now() + seconds * 1000;
  let n = 0;
  const count = (status: number) => {
    ack.statuses[status] = (ack.statuses[status] ?? 0) + 1;
  };
  await Promise.all(
    Array.from({ length: residents }, async (_, r) => {
      const cookies = new Map<string, string>();
      const ip = `10.1.${r >> 8}.${r & 255}`;
      while (Date.now() < until && !stopSignal?.stop) {
        const i = n++;
        try {
          const form = await openAndAnswer(base, codes[i % codes.length]!, ip, cookies, i);
          ack.requests++;
          count(form.status);
          if (!form.send) continue;
          const res = await form.send();
          ack.requests++;
          count(res.status);
          await res.arrayBuffer();
          if (res.status === 303) ack.tokens.add(form.token!);
          else if (res.status >= 500 && !stopSignal?.stop) ack.failures.push(`POST ${res.status}`);
        } catch (err) {
          // A connection cut by a crash is expected; anything else is a failure to answer.
          if (!stopSignal?.stop) ack.failures.push(String((err as Error).message));
        }
      }
    }),
  );
  return ack;
}
