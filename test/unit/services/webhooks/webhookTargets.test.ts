/**
 * Webhook egress (functions/src/services/webhooks/webhookTargets.ts): which addresses a webhook
 * may reach, which URLs a vendor may save, the vetting of each attempt's target (resolver
 * injected), and the POST itself against loopback receivers this file starts: the pinned
 * address, the kept bytes, the deadline. No Firestore.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getDefaultAutoSelectFamily, setDefaultAutoSelectFamily, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  isGlobalUnicast,
  postToWebhook,
  refusedWebhookHost,
  refusedWebhookUrl,
  useHostResolver,
  vettedTarget,
  type HostResolver,
} from '../../../../functions/src/services/webhooks/webhookTargets.js';

const allowVariable = 'KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS';
const previousAllow = process.env[allowVariable];
const previousEmulator = process.env.FUNCTIONS_EMULATOR;

/** Private targets and plain http allowed (the local stack), or not (production). */
function allowPrivateTargets(allowed: boolean): void {
  if (allowed) process.env[allowVariable] = '1';
  else delete process.env[allowVariable];
}

beforeEach(() => {
  delete process.env.FUNCTIONS_EMULATOR;
  allowPrivateTargets(false);
});

afterAll(() => {
  if (previousAllow === undefined) delete process.env[allowVariable];
  else process.env[allowVariable] = previousAllow;
  if (previousEmulator === undefined) delete process.env.FUNCTIONS_EMULATOR;
  else process.env.FUNCTIONS_EMULATOR = previousEmulator;
});

afterEach(() => useHostResolver(undefined));

describe('isGlobalUnicast', () => {
  // First and last address of every IPv4 block that is not global unicast.
  const nonGlobalV4 = [
    '0.0.0.0', '0.255.255.255', '10.0.0.0', '10.255.255.255', '100.64.0.0', '100.127.255.255', '127.0.0.0', '127.255.255.255',
    '169.254.0.0', '169.254.255.255', '172.16.0.0', '172.31.255.255', '192.0.0.0', '192.0.0.255', '192.0.2.0', '192.0.2.255',
    '192.31.196.0', '192.31.196.255', '192.52.193.0', '192.52.193.255', '192.88.99.0', '192.88.99.255', '192.168.0.0', '192.168.255.255',
    '192.175.48.0', '192.175.48.255', '198.18.0.0', '198.19.255.255', '198.51.100.0', '198.51.100.255', '203.0.113.0', '203.0.113.255',
    '224.0.0.0', '239.255.255.255', '240.0.0.0', '255.255.255.255',
  ];
  // The neighbours just outside those blocks.
  const globalV4 = [
    '1.0.0.0', '9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '126.255.255.255', '128.0.0.0', '169.253.255.255',
    '169.255.0.0', '172.15.255.255', '172.32.0.0', '192.0.1.0', '192.0.3.0', '192.31.195.255', '192.31.197.0', '192.52.192.255',
    '192.52.194.0', '192.88.98.255', '192.88.100.0', '192.167.255.255', '192.169.0.0', '192.175.47.255', '192.175.49.0',
    '198.17.255.255', '198.20.0.0', '198.51.99.255', '198.51.101.0', '203.0.112.255', '203.0.114.0', '223.255.255.255', '8.8.8.8',
  ];

  it.each(nonGlobalV4)('refuses %s', (address) => {
    expect(isGlobalUnicast(address)).toBe(false);
  });

  it.each(globalV4)('accepts %s', (address) => {
    expect(isGlobalUnicast(address)).toBe(true);
  });

  it('judges an IPv4-mapped IPv6 address by its IPv4 address, in any case', () => {
    expect(isGlobalUnicast('::ffff:8.8.8.8')).toBe(true);
    expect(isGlobalUnicast('::FFFF:8.8.8.8')).toBe(true);
    expect(isGlobalUnicast('::ffff:10.0.0.1')).toBe(false);
    expect(isGlobalUnicast('::ffff:127.0.0.1')).toBe(false);
    expect(isGlobalUnicast('::ffff:808:808')).toBe(false);
  });

  it('accepts IPv6 only inside 2000::/3 and outside its special-purpose blocks', () => {
    for (const address of ['2001:4860:4860::8888', '2001:4860:4860::8888'.toUpperCase(), '2000::', '2001:200::', '2001:db7:ffff::1', '2001:db9::', '2003::', '3ffe:ffff::1', '3fff:1000::', '3fff:ffff::1']) {
      expect(isGlobalUnicast(address), address).toBe(true);
    }
    for (const address of ['::', '::1', 'fe80::1', 'fc00::1', 'ff02::1', '1fff:ffff::1', '4000::', '2001::', '2001:1ff:ffff::1', '2001:db8::1', '2001:DB8::1', '2002::', '2002:ffff::1', '3fff::', '3fff:fff:ffff::1']) {
      expect(isGlobalUnicast(address), address).toBe(false);
    }
  });

  it('refuses what is not an address', () => {
    expect(isGlobalUnicast('example.com')).toBe(false);
    expect(isGlobalUnicast('')).toBe(false);
    expect(isGlobalUnicast('::ffff:')).toBe(false);
  });
});

describe('refusedWebhookHost', () => {
  it('refuses cloud metadata host names everywhere, in any case, with trailing dots', () => {
    for (const relaxed of [false, true]) {
      expect(refusedWebhookHost('metadata', relaxed)).toBe('metadata is a cloud metadata host');
      expect(refusedWebhookHost('Metadata.Google.Internal.', relaxed)).toBe('metadata.google.internal is a cloud metadata host');
      expect(refusedWebhookHost('metadata.google.internal..', relaxed)).toBe('metadata.google.internal is a cloud metadata host');
    }
    expect(refusedWebhookHost('metadata.example.com', false)).toBeUndefined();
    expect(refusedWebhookHost('my-metadata', false)).toBeUndefined();
    // Only the brackets around an address are taken off, not one inside a name.
    expect(refusedWebhookHost('meta[data', false)).toBeUndefined();
    expect(refusedWebhookHost('meta]data', false)).toBeUndefined();
  });

  it('refuses link-local addresses everywhere (169.254.0.0/16, fe80::/10, bracketed, IPv4-mapped)', () => {
    for (const relaxed of [false, true]) {
      expect(refusedWebhookHost('169.254.169.254', relaxed)).toBe('169.254.169.254 is link-local');
      expect(refusedWebhookHost('[fe80::1]', relaxed)).toBe('fe80::1 is link-local');
      expect(refusedWebhookHost('FEBF::1', relaxed)).toBe('febf::1 is link-local');
      expect(refusedWebhookHost('::ffff:169.254.169.254', relaxed)).toBe('::ffff:169.254.169.254 is link-local');
    }
    expect(refusedWebhookHost('169.255.0.1', true)).toBeUndefined();
    expect(refusedWebhookHost('fec0::1', true)).toBeUndefined();
  });

  it('refuses other non-global addresses unless private targets are allowed', () => {
    expect(refusedWebhookHost('10.0.0.1', false)).toBe('10.0.0.1 is not global unicast');
    expect(refusedWebhookHost('[::1]', false)).toBe('::1 is not global unicast');
    expect(refusedWebhookHost('127.0.0.1.', false)).toBe('127.0.0.1 is not global unicast');
    expect(refusedWebhookHost('10.0.0.1', true)).toBeUndefined();
    expect(refusedWebhookHost('[::1]', true)).toBeUndefined();
  });

  it('accepts global addresses, and host names (judged by their addresses at send time)', () => {
    expect(refusedWebhookHost('8.8.8.8', false)).toBeUndefined();
    expect(refusedWebhookHost('[2001:4860:4860::8888]', false)).toBeUndefined();
    expect(refusedWebhookHost('hooks.example.com', false)).toBeUndefined();
    expect(refusedWebhookHost('localhost', false)).toBeUndefined();
  });

  it('reads the setting on each call by default: the local stack allows private targets', () => {
    expect(refusedWebhookHost('10.0.0.1')).toBe('10.0.0.1 is not global unicast');
    allowPrivateTargets(true);
    expect(refusedWebhookHost('10.0.0.1')).toBeUndefined();
    allowPrivateTargets(false);
    process.env.FUNCTIONS_EMULATOR = 'true';
    expect(refusedWebhookHost('10.0.0.1')).toBeUndefined();
  });
});

describe('refusedWebhookUrl (when a webhook URL is saved)', () => {
  const later = () => new AbortController().signal;

  it('refuses the scheme, then the host by name or address, without a lookup for an address', async () => {
    const calls: string[] = [];
    useHostResolver(async (host) => {
      calls.push(host);
      return [{ address: '10.0.0.1', family: 4 }];
    });
    expect(await refusedWebhookUrl(new URL('http://8.8.8.8/hook'), later())).toBe('webhooks must use https (http: given)');
    expect(await refusedWebhookUrl(new URL('https://metadata.google.internal/x'), later())).toBe('metadata.google.internal is a cloud metadata host');
    expect(await refusedWebhookUrl(new URL('https://[fe80::1]/x'), later())).toBe('fe80::1 is link-local');
    expect(await refusedWebhookUrl(new URL('https://10.0.0.1/x'), later())).toBe('10.0.0.1 is not global unicast');
    expect(await refusedWebhookUrl(new URL('https://[2001:4860:4860::8888]/x'), later())).toBeUndefined();
    expect(calls).toEqual([]);
    allowPrivateTargets(true);
    expect(await refusedWebhookUrl(new URL('http://127.0.0.1:3000/x'), later())).toBeUndefined();
  });

  it('refuses a host name when any address it resolves to now is refused', async () => {
    useHostResolver(async () => [{ address: '8.8.8.8', family: 4 }, { address: '10.0.0.1', family: 4 }]);
    expect(await refusedWebhookUrl(new URL('https://hooks.example.com/in'), later())).toBe(
      'hooks.example.com resolves to an address that is not allowed (10.0.0.1 is not global unicast)',
    );
    useHostResolver(async () => [{ address: '8.8.8.8', family: 4 }, { address: '2001:4860:4860::8888', family: 6 }]);
    expect(await refusedWebhookUrl(new URL('https://hooks.example.com/in'), later())).toBeUndefined();
  });

  it('accepts a host that does not resolve now, or not before the deadline (each attempt resolves it again)', async () => {
    useHostResolver(async () => {
      throw new Error('getaddrinfo ENOTFOUND');
    });
    expect(await refusedWebhookUrl(new URL('https://later.example.com/in'), later())).toBeUndefined();
    useHostResolver(() => new Promise(() => undefined));
    const passed = new AbortController();
    passed.abort(new Error('deadline passed'));
    expect(await refusedWebhookUrl(new URL('https://slow.example.com/in'), passed.signal)).toBeUndefined();
  });
});

describe('vettedTarget', () => {
  /** A resolver that answers `addresses` and counts its calls. */
  function answering(...addresses: string[]): HostResolver & { calls: string[] } {
    const calls: string[] = [];
    const resolver = async (host: string) => {
      calls.push(host);
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    return Object.assign(resolver, { calls });
  }

  it('needs https outside the local stack; the local stack also allows http, nothing else', async () => {
    await expect(vettedTarget(new URL('http://8.8.8.8/hook'))).rejects.toThrow('refused: webhooks must use https (http: given)');
    await expect(vettedTarget(new URL('https://8.8.8.8/hook'))).resolves.toEqual({ address: '8.8.8.8', family: 4 });
    allowPrivateTargets(true);
    await expect(vettedTarget(new URL('http://127.0.0.1/hook'))).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(vettedTarget(new URL('ftp://127.0.0.1/hook'))).rejects.toThrow('refused: webhooks must use https (ftp: given)');
  });

  it('takes an address literal as it is, without a lookup', async () => {
    const resolver = answering('10.0.0.1');
    useHostResolver(resolver);
    await expect(vettedTarget(new URL('https://[2001:4860:4860::8888]:8443/hook'))).resolves.toEqual({ address: '2001:4860:4860::8888', family: 6 });
    await expect(vettedTarget(new URL('https://10.0.0.1/hook'))).rejects.toThrow(
      'refused: 10.0.0.1 resolves to an address that is not global unicast (10.0.0.1 is not global unicast)',
    );
    expect(resolver.calls).toEqual([]);
  });

  it('resolves a host name once and connects to its first address when every address is allowed', async () => {
    const resolver = answering('8.8.4.4', '2001:4860:4860::8844');
    useHostResolver(resolver);
    await expect(vettedTarget(new URL('https://hooks.example.com/in'))).resolves.toEqual({ address: '8.8.4.4', family: 4 });
    expect(resolver.calls).toEqual(['hooks.example.com']);
  });

  it('refuses a host when any of its addresses is refused, and one that does not resolve', async () => {
    useHostResolver(answering('8.8.8.8', '10.1.2.3'));
    await expect(vettedTarget(new URL('https://hooks.example.com/in'))).rejects.toThrow(
      'refused: hooks.example.com resolves to an address that is not global unicast (10.1.2.3 is not global unicast)',
    );
    allowPrivateTargets(true);
    await expect(vettedTarget(new URL('https://hooks.example.com/in'))).resolves.toEqual({ address: '8.8.8.8', family: 4 });
    useHostResolver(answering('127.0.0.1', '169.254.169.254'));
    await expect(vettedTarget(new URL('https://hooks.example.com/in'))).rejects.toThrow(
      'refused: hooks.example.com resolves to an address that is not global unicast (169.254.169.254 is link-local)',
    );
    useHostResolver(answering());
    await expect(vettedTarget(new URL('https://nowhere.example.com/in'))).rejects.toThrow('refused: nowhere.example.com does not resolve');
  });

  it('gives up on a lookup at the deadline (the lookup cannot be cancelled), with the deadline’s reason', async () => {
    useHostResolver(() => new Promise(() => undefined));
    const passed = new AbortController();
    passed.abort(new Error('deadline passed'));
    await expect(vettedTarget(new URL('https://slow.example.com/in'), passed.signal)).rejects.toThrow('deadline passed');
    const later = new AbortController();
    const pending = vettedTarget(new URL('https://slow.example.com/in'), later.signal);
    later.abort('no Error given');
    await expect(pending).rejects.toThrow('aborted');
  });

  it('a lookup that answers before the deadline is used, and a failing one fails the vetting', async () => {
    useHostResolver(answering('8.8.8.8'));
    await expect(vettedTarget(new URL('https://hooks.example.com/in'), new AbortController().signal)).resolves.toEqual({ address: '8.8.8.8', family: 4 });
    useHostResolver(async () => {
      throw new Error('ENOTFOUND hooks.example.com');
    });
    await expect(vettedTarget(new URL('https://hooks.example.com/in'), new AbortController().signal)).rejects.toThrow('ENOTFOUND hooks.example.com');
  });

  it('undefined restores the system resolver (localhost resolves to loopback)', async () => {
    useHostResolver(answering('8.8.8.8'));
    useHostResolver(undefined);
    allowPrivateTargets(true);
    const chosen = await vettedTarget(new URL('http://localhost/hook'));
    expect([{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]).toContainEqual(chosen);
  });
});

describe('postToWebhook (against loopback receivers)', () => {
  interface Received {
    method: string;
    headers: IncomingHttpHeaders;
    body: string;
  }
  type Answer = (request: IncomingMessage, response: ServerResponse) => void;
  const received: Received[] = [];
  let answer: Answer = (_request, response) => response.end();
  let receiver: Server;
  let port = 0;
  const options = { timeoutMs: 10_000, keepBytes: 16 };

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        answer(request, response);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });

  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  beforeEach(() => {
    allowPrivateTargets(true);
    received.length = 0;
    answer = (_request, response) => response.end();
  });

  it('POSTs the body with the given headers and its byte length, and answers the status and body', async () => {
    answer = (_request, response) => {
      response.writeHead(202);
      response.end('accepted');
    };
    const body = '{"name":"Zoë"}';
    const answered = await postToWebhook(`http://127.0.0.1:${port}/hook?x=1`, { 'X-Keywarden-Event': 'test.ping' }, body, options);
    expect(answered).toEqual({ statusCode: 202, snippet: 'accepted' });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', body });
    expect(received[0]?.headers['x-keywarden-event']).toBe('test.ping');
    expect(received[0]?.headers['content-length']).toBe('15');
  });

  it('connects to the address it vetted: the host name is looked up once, a later answer is never used', async () => {
    let lookups = 0;
    useHostResolver(async () => {
      lookups += 1;
      return [{ address: lookups === 1 ? '127.0.0.1' : '10.255.255.1', family: 4 }];
    });
    answer = (request, response) => response.end(request.headers.host ?? '');
    const answered = await postToWebhook(`http://hooks.vendor.test:${port}/hook`, {}, '{}', { timeoutMs: 10_000, keepBytes: 100 });
    expect(answered).toEqual({ statusCode: 200, snippet: `hooks.vendor.test:${port}` });
    expect(lookups).toBe(1);
  });

  it('the pinned address also answers a connection that asks for one address (no family auto-selection)', async () => {
    const autoSelect = getDefaultAutoSelectFamily();
    setDefaultAutoSelectFamily(false);
    try {
      useHostResolver(async () => [{ address: '127.0.0.1', family: 4 }]);
      answer = (_request, response) => response.end('single');
      expect(await postToWebhook(`http://hooks.vendor.test:${port}/hook`, {}, '{}', options)).toEqual({ statusCode: 200, snippet: 'single' });
    } finally {
      setDefaultAutoSelectFamily(autoSelect);
    }
  });

  it('keeps exactly keepBytes of a longer answer', async () => {
    answer = (_request, response) => response.end('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(2_000));
    expect(await postToWebhook(`http://127.0.0.1:${port}/hook`, {}, '{}', options)).toEqual({ statusCode: 200, snippet: '0123456789abcdef' });
  });

  it('stops reading once keepBytes have come, even if the receiver never ends its answer', async () => {
    answer = (_request, response) => {
      response.writeHead(500);
      response.write('x'.repeat(16));
    };
    expect(await postToWebhook(`http://127.0.0.1:${port}/hook`, {}, '{}', options)).toEqual({ statusCode: 500, snippet: 'x'.repeat(16) });
  });

  it('keeps reading below keepBytes until the deadline', async () => {
    answer = (_request, response) => {
      response.writeHead(200);
      response.write('x'.repeat(15));
    };
    await expect(postToWebhook(`http://127.0.0.1:${port}/hook`, {}, '{}', { timeoutMs: 300, keepBytes: 16 })).rejects.toThrow('timed out after 0.3 s');
  });

  it('answers what came when the receiver cuts the connection in the middle of its answer', async () => {
    answer = (_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('partial', () => response.socket?.destroy());
    };
    expect(await postToWebhook(`http://127.0.0.1:${port}/hook`, {}, '{}', { timeoutMs: 10_000, keepBytes: 512 })).toEqual({ statusCode: 200, snippet: 'partial' });
  });

  it('a receiver that never answers times out at the deadline', async () => {
    answer = () => undefined;
    await expect(postToWebhook(`http://127.0.0.1:${port}/hook`, {}, '{}', { timeoutMs: 250, keepBytes: 16 })).rejects.toThrow('timed out after 0.25 s');
  });

  it('a lookup that never answers times out at the same deadline, and nothing is sent', async () => {
    useHostResolver(() => new Promise(() => undefined));
    await expect(postToWebhook(`http://stuck.vendor.test:${port}/hook`, {}, '{}', { timeoutMs: 250, keepBytes: 16 })).rejects.toThrow('timed out after 0.25 s');
    expect(received).toHaveLength(0);
  });

  it('a refusal or a connection error is passed on as it is', async () => {
    useHostResolver(async () => {
      throw new Error('getaddrinfo ENOTFOUND gone.vendor.test');
    });
    await expect(postToWebhook(`http://gone.vendor.test:${port}/hook`, {}, '{}', options)).rejects.toThrow('getaddrinfo ENOTFOUND gone.vendor.test');
    useHostResolver(async () => [{ address: '10.0.0.1', family: 4 }]);
    allowPrivateTargets(false);
    await expect(postToWebhook(`https://hooks.vendor.test:${port}/hook`, {}, '{}', options)).rejects.toThrow(
      'refused: hooks.vendor.test resolves to an address that is not global unicast (10.0.0.1 is not global unicast)',
    );
    allowPrivateTargets(true);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(postToWebhook(`http://127.0.0.1:${closedPort}/hook`, {}, '{}', options)).rejects.toThrow(/ECONNREFUSED/);
    expect(received).toHaveLength(0);
  });

  it('an https URL speaks TLS: a plain-http receiver gets no POST', async () => {
    answer = (_request, response) => response.end('plain');
    await expect(postToWebhook(`https://127.0.0.1:${port}/hook`, {}, '{}', options)).rejects.toThrow(/EPROTO|SSL|TLS/);
    expect(received).toHaveLength(0);
  });
});
