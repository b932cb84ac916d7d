/**
 * The deploy preflight (scripts/deployCheck.ts) refuses what `firebase deploy` would trip on.
 * Offline and fast: each case copies firebase.json and the indexes file into a temporary
 * directory, plants one defect, and runs the file checks (no function discovery).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeployCheckError, defaultRepoRoot, deployCheck } from '../../scripts/deployCheck.js';

const today = new Date('2026-12-02T12:00:00Z');
const dirs: string[] = [];

interface HostingJson {
  public?: string;
  rewrites: Array<{ source: string; destination?: string; function?: { functionId: string; region?: string } }>;
  headers: Array<{ source: string; headers: Array<{ key: string; value: string }> }>;
  [key: string]: unknown;
}
interface FirebaseJson { functions: Array<Record<string, unknown>>; firestore: Record<string, unknown>; hosting: HostingJson }
interface IndexesJson { indexes: Array<Record<string, unknown>>; fieldOverrides: Array<Record<string, unknown>> }

function fixture(edit: (firebase: FirebaseJson, indexes: IndexesJson) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-deploy-check-'));
  dirs.push(dir);
  const firebase = JSON.parse(readFileSync(join(defaultRepoRoot, 'firebase.json'), 'utf8')) as FirebaseJson;
  const indexes = JSON.parse(readFileSync(join(defaultRepoRoot, 'firestore.indexes.json'), 'utf8')) as IndexesJson;
  // The console's build output stands in as the public folder.
  firebase.hosting.public = 'public';
  mkdirSync(join(dir, 'public'));
  writeFileSync(join(dir, 'public', 'index.html'), '<!doctype html><title>console</title>');
  edit(firebase, indexes);
  writeFileSync(join(dir, 'firebase.json'), JSON.stringify(firebase));
  writeFileSync(join(dir, 'firestore.indexes.json'), JSON.stringify(indexes));
  return dir;
}

async function problemsOf(dir: string): Promise<string[]> {
  try {
    await deployCheck({ projectDir: dir, now: today, functions: false });
  } catch (error) {
    if (error instanceof DeployCheckError) return error.problems;
    throw error;
  }
  return [];
}

/** authLogs (appId, licenseKey, createdAt DESC): its last field runs DESC, so __name__ DESC repeats it. */
const authLogsByLicense = (indexes: IndexesJson) =>
  indexes.indexes.find((i) => i.collectionGroup === 'authLogs' && (i.fields as Array<{ fieldPath: string }>).map((f) => f.fieldPath).join() === 'appId,licenseKey,createdAt')!;

/** A variant of firebase.json beside the real one (function discovery needs functions/lib). */
function repoConfig(edit: (firebase: FirebaseJson) => void): string {
  const firebase = JSON.parse(readFileSync(join(defaultRepoRoot, 'firebase.json'), 'utf8')) as FirebaseJson;
  edit(firebase);
  const name = `.firebase.auto.deploycheck.${process.pid}.${dirs.length}.json`;
  writeFileSync(join(defaultRepoRoot, name), JSON.stringify(firebase));
  dirs.push(join(defaultRepoRoot, name));
  return name;
}

const headerOf = (firebase: FirebaseJson, key: string) => firebase.hosting.headers.find((rule) => rule.source === '**')!.headers.find((header) => header.key === key)!;

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('deploy:check', () => {
  it('passes on the repository as committed, and lists what a deploy creates', async () => {
    const plan = await deployCheck({ now: today, functions: false });
    expect(plan.runtimes.join()).toMatch(/^nodejs22 /);
    expect(plan.database).toEqual({ id: '(default)', location: expect.any(String), edition: 'STANDARD' });
    expect(plan.indexes.length).toBeGreaterThan(0);
    expect(plan.ttlPolicies).toContainEqual({ collectionGroup: 'authLogs', fieldPath: 'expireAt' });
    expect(plan.hosting?.public).toBe('console/dist');
    expect(plan.hosting?.rewrites).toEqual(expect.arrayContaining(['/v1/** → function v1 (us-central1)', '** → /index.html']));
  });

  it('fails when the Hosting public folder has no index.html (the console is not built)', async () => {
    const dir = fixture(() => undefined);
    rmSync(join(dir, 'public', 'index.html'));
    const problems = await problemsOf(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/hosting public folder public\/index\.html is missing: run npm run build/);
  });

  it('fails without the security headers on every path', async () => {
    const problems = await problemsOf(fixture((firebase) => {
      const all = firebase.hosting.headers.find((rule) => rule.source === '**')!;
      all.headers = all.headers.filter((header) => !['X-Frame-Options', 'Strict-Transport-Security'].includes(header.key));
    }));
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/no X-Frame-Options header on every path/);
    expect(problems.join('\n')).toMatch(/no Strict-Transport-Security header/);
  });

  it('fails for a CSP that allows inline scripts or framing', async () => {
    const problems = await problemsOf(fixture((firebase) => {
      const csp = headerOf(firebase, 'Content-Security-Policy');
      csp.value = csp.value.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("frame-ancestors 'none'", 'frame-ancestors *');
    }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/Content-Security-Policy needs frame-ancestors 'none', script-src without 'unsafe-inline'/);
  });

  it('fails for a hosting config firebase-tools refuses (public and source) or its schema does not know', async () => {
    const problems = await problemsOf(fixture((firebase) => {
      firebase.hosting.source = 'console';
      firebase.hosting.rewrite = [];
    }));
    expect(problems.join('\n')).toMatch(/unknown property: \{"additionalProperty":"rewrite"\}/);
    expect(problems.join('\n')).toMatch(/Can only specify "source" or "public" in a Hosting config, not both/);
  });

  it('fails for the nodejs20 runtime, decommissioned on 2026-10-30', async () => {
    const problems = await problemsOf(fixture((firebase) => { firebase.functions[0]!.runtime = 'nodejs20'; }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/nodejs20.*decommissioned on 2026-10-30.*Set "runtime" to nodejs22 or nodejs24/);
  });

  it('refuses nodejs22 the day after its deprecation (2027-04-30), or only notes it when asked to warn', async () => {
    const dayAfter = new Date('2027-05-01T00:00:00Z');
    await expect(deployCheck({ now: dayAfter, functions: false })).rejects.toThrow(/runtime nodejs22: Node\.js 22 is deprecated since 2027-04-30: deploys stop on 2028-10-31; move to nodejs24/);
    const plan = await deployCheck({ now: dayAfter, functions: false, deprecatedRuntime: 'warn' });
    expect(plan.notes.join('\n')).toMatch(/Node\.js 22 is deprecated since 2027-04-30/);
    // The day before, neither mode says anything about it.
    const dayBefore = await deployCheck({ now: new Date('2027-04-29T00:00:00Z'), functions: false });
    expect(dayBefore.notes.join('\n')).not.toMatch(/deprecated/);
  });

  it('fails for a runtime firebase-tools does not know', async () => {
    const problems = await problemsOf(fixture((firebase) => { firebase.functions[0]!.runtime = 'nodejs21'; }));
    expect(problems.join('\n')).toMatch(/runtime "nodejs21" is not a runtime firebase-tools knows/);
  });

  it('fails for two indexes that are one after Firestore appends __name__', async () => {
    const problems = await problemsOf(fixture((_firebase, indexes) => {
      const authLogs = authLogsByLicense(indexes);
      const fields = authLogs.fields as Array<{ fieldPath: string; order: string }>;
      indexes.indexes.push({ ...authLogs, fields: [...fields, { fieldPath: '__name__', order: fields.at(-1)!.order }] });
    }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/authLogs \(appId ASC, licenseKey ASC, createdAt DESC, __name__ DESC\) is the same index as indexes\[\d+\].*409/);
  });

  it('accepts the same fields when __name__ runs the other way (a different index)', async () => {
    const problems = await problemsOf(fixture((_firebase, indexes) => {
      const authLogs = authLogsByLicense(indexes);
      const fields = authLogs.fields as Array<{ fieldPath: string; order: string }>;
      indexes.indexes.push({ ...authLogs, fields: [...fields, { fieldPath: '__name__', order: 'ASCENDING' }] });
    }));
    expect(problems).toEqual([]);
  });

  it('fails for an exact duplicate index', async () => {
    const problems = await problemsOf(fixture((_firebase, indexes) => { indexes.indexes.push(structuredClone(indexes.indexes[0]!)); }));
    expect(problems.join('\n')).toMatch(/is the same index as indexes\[0\]/);
  });

  it('fails for a malformed TTL override (ttl not a boolean)', async () => {
    const problems = await problemsOf(fixture((_firebase, indexes) => { indexes.fieldOverrides[0]!.ttl = 'true'; }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/fieldOverrides\[0\] \(authLogs\.expireAt\).*ttl.*boolean.*"ttl": true/);
  });

  it('fails for a TTL override without its indexes list', async () => {
    const problems = await problemsOf(fixture((_firebase, indexes) => { delete indexes.fieldOverrides[1]!.indexes; }));
    expect(problems.join('\n')).toMatch(/fieldOverrides\[1\] \(nonces\.expireAt\).*indexes/);
  });

  it('fails for a second TTL field on one collection group', async () => {
    const problems = await problemsOf(fixture((_firebase, indexes) => {
      indexes.fieldOverrides.push({ collectionGroup: 'nonces', fieldPath: 'createdAt', ttl: true, indexes: [] });
    }));
    expect(problems.join('\n')).toMatch(/nonces already has a TTL policy on expireAt/);
  });

  it('fails when the Firestore location or edition is not declared', async () => {
    const problems = await problemsOf(fixture((firebase) => {
      delete firebase.firestore.location;
      delete firebase.firestore.edition;
    }));
    expect(problems.join('\n')).toMatch(/firestore\.location" is not declared/);
    expect(problems.join('\n')).toMatch(/firestore\.edition" is not declared/);
  });
});

describe('deploy:check with the built functions (discovery as firebase deploy runs it)', () => {
  it('deploys without Stripe or the payment webhook with ADMIN_SECRET and KEYWARDEN_KEK alone, and never benchFloor', async () => {
    const plan = await deployCheck({ now: today });
    const ids = plan.functions.map((e) => e.id);
    expect(ids).toEqual(expect.arrayContaining(['auth', 'validate', 'v1', 'createLicense', 'deliverEvents', 'retryWebhookDeliveries', 'expireLicenses']));
    expect(ids).not.toContain('benchFloor');
    expect(ids).not.toContain('stripeWebhook');
    expect(ids).not.toContain('paymentWebhook');
    const secrets = new Set(plan.functions.flatMap((e) => (e.secretEnvironmentVariables ?? []).map((s) => s.secret)));
    expect([...secrets].sort()).toEqual(['ADMIN_SECRET', 'KEYWARDEN_KEK']);
    const retry = plan.functions.find((e) => e.id === 'retryWebhookDeliveries')!;
    expect(retry.timeoutSeconds).toBeGreaterThanOrEqual(300);
    expect(new Set(plan.functions.map((e) => e.region))).toEqual(new Set(['us-central1']));
  }, 60_000);

  it('adds stripeWebhook and its secret only when KEYWARDEN_STRIPE=on, in the region LOCATION names', async () => {
    // Hosting's rewrite must follow the functions to their region.
    const configFile = repoConfig((firebase) => { firebase.hosting.rewrites[0]!.function!.region = 'europe-west1'; });
    const plan = await deployCheck({ now: today, configFile, env: { KEYWARDEN_STRIPE: 'on', LOCATION: 'europe-west1' } });
    const stripe = plan.functions.find((e) => e.id === 'stripeWebhook');
    expect(stripe?.secretEnvironmentVariables?.map((s) => s.secret)).toEqual(['STRIPE_WEBHOOK_SECRET']);
    expect(plan.functions.some((e) => e.id === 'paymentWebhook')).toBe(false);
    expect(new Set(plan.functions.map((e) => e.region))).toEqual(new Set(['europe-west1']));
  }, 60_000);

  it('fails for a Hosting rewrite to a function the deploy does not create, or in another region', async () => {
    const problems = async (options: Parameters<typeof deployCheck>[0]) => {
      try {
        await deployCheck({ now: today, ...options });
      } catch (error) {
        if (error instanceof DeployCheckError) return error.problems;
        throw error;
      }
      return [];
    };
    const missing = repoConfig((firebase) => { firebase.hosting.rewrites.unshift({ source: '/pay/**', function: { functionId: 'stripeWebhook', region: 'us-central1' } }); });
    expect(await problems({ configFile: missing })).toEqual([
      'firebase.json hosting rewrite /pay/** → function stripeWebhook (us-central1): functions/lib/index.js exports no function "stripeWebhook" that the deploy would create',
    ]);
    expect((await problems({ env: { LOCATION: 'europe-west1' } })).join('\n')).toMatch(/rewrite \/v1\/\*\* → function v1 \(us-central1\): "v1" deploys to europe-west1, not us-central1/);
  }, 90_000);

  it('inside npm test a deprecated runtime only warns; npm run deploy:check refuses it; a decommissioned one fails both', async () => {
    // The commands exactly as package.json runs them (deploy:check's after its build step).
    const scripts = (JSON.parse(readFileSync(join(defaultRepoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const checkStep = (script: string) => {
      const step = commandsOf(scripts, script).find((command) => command.startsWith('tsx scripts/deployCheck.ts'));
      if (!step) throw new Error(`npm run ${script} runs no deploy check`);
      return step;
    };
    const insideNpmTest = checkStep('test');
    const deployCheckScript = checkStep('deploy:check');
    expect(scripts['deploy:check']).toBe(`npm run build && ${deployCheckScript}`);

    const deprecated = '2027-05-01';
    const [warned, refused, decommissioned] = await Promise.all([
      runCheck(insideNpmTest, deprecated),
      runCheck(deployCheckScript, deprecated),
      runCheck(insideNpmTest, '2028-11-01'),
    ]);
    expect(warned.code, warned.output).toBe(0);
    expect(warned.output).toMatch(/deploy:check passed/);
    expect(warned.output).toMatch(/Node\.js 22 is deprecated since 2027-04-30: deploys stop on 2028-10-31/);
    expect(refused.code, refused.output).toBe(1);
    expect(refused.output).toMatch(/✗ firebase\.json runtime nodejs22: Node\.js 22 is deprecated since 2027-04-30/);
    expect(decommissioned.code, decommissioned.output).toBe(1);
    expect(decommissioned.output).toMatch(/Node\.js 22 was decommissioned on 2028-10-31/);
  }, 120_000);

  it('runs the tests on the deployed runtime\'s Node.js major', () => {
    const firebase = JSON.parse(readFileSync(join(defaultRepoRoot, 'firebase.json'), 'utf8')) as FirebaseJson;
    expect(`nodejs${process.versions.node.split('.')[0]}`).toBe(firebase.functions[0]!.runtime);
  });
});

/** Runs a package.json command line in the repository with "today" injected; its exit code and output. */
function runCheck(command: string, today: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd: defaultRepoRoot,
      env: { ...process.env, PATH: `${join(defaultRepoRoot, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, KEYWARDEN_DEPLOY_CHECK_TODAY: today },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.once('error', reject);
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

/**
 * Every command `npm run <name>` runs, in order: `npm run <script>` steps and the scripts a
 * `run-p`/`run-s` step names are followed into their own commands.
 */
function commandsOf(scripts: Record<string, string>, name: string): string[] {
  const script = scripts[name];
  if (script === undefined) throw new Error(`package.json has no script ${name}`);
  return script.split(' && ').flatMap((step) => {
    const npmRun = /^npm run (\S+)$/.exec(step);
    if (npmRun) return commandsOf(scripts, npmRun[1]!);
    const runAll = /^run-[ps] (.+)$/.exec(step);
    if (runAll) return runAll[1]!.split(/\s+/).filter((token) => !token.startsWith('-')).flatMap((script) => commandsOf(scripts, script));
    return [step];
  });
}
