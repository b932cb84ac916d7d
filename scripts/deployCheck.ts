/**
 * `npm run deploy:check`: an offline preflight of `firebase deploy`, built on firebase-tools' own
 * modules (the ones its deploy runs) so it cannot drift from what a deploy does. It fails, with
 * a message a person can act on, when a deploy would fail or do something unintended, and prints
 * what a deploy would create.
 *
 *   npm run deploy:check                      # as a first deploy to a new project would see it
 *   npm run deploy:check -- --project my-id   # with functions/.env.my-id applied, as for my-id
 *
 * Checks: the runtime is supported today (a deprecated runtime is refused, as is a
 * decommissioned one; `npm test` passes --warn-deprecated-runtime so the day firebase-tools
 * marks the runtime deprecated prints a warning there instead of failing every test run); firebase.json declares the Firestore location and
 * edition; the indexes file passes firebase-tools' validation and no two indexes are equal after
 * Firestore's normalisation (a fresh project would answer 409 to the second and abort the
 * deploy); TTL field overrides are well formed; every function the built code exports is
 * discovered, with every optional feature on and as configured; the deploy-time params have
 * values (a non-interactive deploy stops otherwise); every secret a function binds is documented
 * in README's "Deploy to production"; the functions pass firebase-tools' endpoint validation
 * (CPU, memory, concurrency, timeouts); Hosting: firebase.json's `hosting` passes firebase-tools'
 * schema and its own hosting config validation, the public folder holds index.html (npm run build
 * builds the console into it), every `function` rewrite names an HTTPS function the deploy creates
 * in the rewrite's region, and the security headers (CSP with frame-ancestors 'none' and
 * object-src 'none', nosniff, X-Frame-Options DENY, HSTS, Referrer-Policy, Permissions-Policy)
 * apply to every path.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadHostingConfigs, type HostingConfig } from './lib/hosting.js';

const require = createRequire(import.meta.url);
const toolsDir = dirname(require.resolve('firebase-tools/package.json'));
const tools = <T>(path: string): T => require(join(toolsDir, 'lib', path)) as T;

export const defaultRepoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The project id used when none is given: any real (non-demo) id models a first deploy. */
export const placeholderProjectId = 'your-project-id';
/** Optional features and the env switch that turns each on (functions/src/config/deployment.ts). */
export const optionalFeatureSwitches = ['KEYWARDEN_STRIPE', 'KEYWARDEN_PAYMENT_WEBHOOK'] as const;

// The parts of firebase-tools' internals used here.
interface RuntimeInfo { friendly: string; status: string; deprecationDate: string; decommissionDate: string }
interface Supported {
  RUNTIMES: Record<string, RuntimeInfo>;
  isRuntime(runtime: string): boolean;
  guardVersionSupport(runtime: string, now?: Date): void;
}
interface IndexField { fieldPath: string; order?: string; arrayConfig?: string; vectorConfig?: unknown }
interface IndexSpec { collectionGroup: string; queryScope: string; fields: IndexField[]; apiScope?: string; density?: string; multikey?: boolean }
interface FieldOverrideSpec { collectionGroup: string; fieldPath: string; ttl?: unknown; indexes: unknown[] }
interface FirestoreApiInstance {
  upgradeOldSpec(spec: { indexes: unknown[]; fieldOverrides?: unknown[] }): { indexes: IndexSpec[]; fieldOverrides: FieldOverrideSpec[] };
  validateSpec(spec: unknown): void;
  indexMatchesSpec(index: unknown, spec: IndexSpec, edition: string): boolean;
}
interface FirestoreApiModule {
  FirestoreApi: { new (): FirestoreApiInstance; processIndex(index: IndexSpec): IndexSpec };
}
interface FunctionsConfig { source?: string; codebase: string; runtime?: string }
interface Endpoint {
  id: string;
  region: string;
  platform: string;
  entryPoint: string;
  availableMemoryMb?: number;
  cpu?: number | string;
  concurrency?: number;
  minInstances?: number;
  maxInstances?: number;
  timeoutSeconds?: number;
  secretEnvironmentVariables?: Array<{ key: string; secret: string }>;
  httpsTrigger?: unknown;
  scheduleTrigger?: { schedule?: string; retryConfig?: { retryCount?: number } };
  eventTrigger?: { eventType: string; eventFilters?: Record<string, string>; eventFilterPathPatterns?: Record<string, string>; retry?: boolean };
}
interface Backend { endpoints: Record<string, Record<string, Endpoint>> }
interface BuildModule {
  resolveBackend(opts: Record<string, unknown>): Promise<{ backend: Backend }>;
}
interface BackendModule {
  allEndpoints(backend: Backend): Endpoint[];
  empty(): Backend;
  DEFAULT_MEMORY: number;
}
interface RuntimeDelegate {
  runtime: string;
  validate(): Promise<void>;
  build(): Promise<void>;
  discoverBuild(config: unknown, env: Record<string, string>): Promise<unknown>;
}

/** A problem found: the deploy would fail, or do something the vendor did not mean. */
export class DeployCheckError extends Error {
  constructor(readonly problems: string[]) {
    super(`deploy:check found ${problems.length} problem(s):\n${problems.map((p) => `  ✗ ${p}`).join('\n')}`);
    this.name = 'DeployCheckError';
  }
}

export interface DeployCheckOptions {
  /** Directory holding firebase.json (and README.md). Default: this repository. */
  projectDir?: string;
  /** firebase.json's name inside projectDir. */
  configFile?: string;
  /** The Firebase project to model: its functions/.env.<id> applies. */
  projectId?: string;
  /** "Today" for the runtime support window. Default: the real date. */
  now?: Date;
  /**
   * A runtime past its deprecation date but not yet decommissioned: 'refuse' (default, what a
   * vendor about to deploy must act on) or 'warn' (a note; `npm test` uses it so the test suite
   * does not fail on the day the deprecation starts). A decommissioned runtime is refused either way.
   */
  deprecatedRuntime?: 'refuse' | 'warn';
  /** Discover the functions (runs the built code). Default true; tests of the file checks skip it. */
  functions?: boolean;
  /** Settings as if written in functions/.env.<project-id> (e.g. KEYWARDEN_STRIPE=on). */
  env?: Record<string, string>;
}

export interface DeployPlan {
  projectId: string;
  database: { id: string; location: string; edition: string };
  runtimes: string[];
  functions: Endpoint[];
  indexes: IndexSpec[];
  ttlPolicies: Array<{ collectionGroup: string; fieldPath: string }>;
  minInstancesMonthlyCost: number;
  /** What Hosting would serve: the public folder and the rewrites, in order. */
  hosting: { public: string; rewrites: string[] } | undefined;
  notes: string[];
}

type FirestoreJson = { database?: string; location?: string; edition?: string; indexes?: string; rules?: string };

/** Runs every check; throws DeployCheckError listing all problems, or returns the plan. */
export async function deployCheck(options: DeployCheckOptions = {}): Promise<DeployPlan> {
  const projectDir = resolve(options.projectDir ?? defaultRepoRoot);
  const configPath = join(projectDir, options.configFile ?? 'firebase.json');
  const projectId = options.projectId ?? placeholderProjectId;
  const now = options.now ?? new Date();
  const problems: string[] = [];
  const notes: string[] = [];

  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { functions?: unknown; firestore?: FirestoreJson | FirestoreJson[] };
  if (projectId.startsWith('demo-')) problems.push(`--project ${projectId}: demo- projects exist only in the emulators; name the project you deploy to`);

  // Runtime: the same table and guard as `firebase deploy`'s prepare phase.
  const supported = tools<Supported>('deploy/functions/runtimes/supported');
  const projectConfig = tools<{ normalizeAndValidate(config: unknown): FunctionsConfig[] }>('functions/projectConfig');
  let codebases: FunctionsConfig[] = [];
  try {
    codebases = projectConfig.normalizeAndValidate(config.functions);
  } catch (error) {
    problems.push(`firebase.json "functions": ${(error as Error).message}`);
  }
  const runtimes: string[] = [];
  for (const codebase of codebases) {
    const runtime = codebase.runtime;
    if (!runtime) {
      problems.push(`firebase.json: codebase "${codebase.codebase}" declares no "runtime"; declare one (e.g. "nodejs22") so the deploy does not guess`);
      continue;
    }
    if (!supported.isRuntime(runtime)) {
      const valid = Object.keys(supported.RUNTIMES).filter((r) => r.startsWith('nodejs') && new Date(supported.RUNTIMES[r]!.decommissionDate) > now);
      problems.push(`firebase.json: runtime "${runtime}" is not a runtime firebase-tools knows; use one of ${valid.join(', ')}`);
      continue;
    }
    try {
      supported.guardVersionSupport(runtime, now);
      const info = supported.RUNTIMES[runtime]!;
      runtimes.push(`${runtime} (${info.friendly}, deprecated ${info.deprecationDate}, decommissioned ${info.decommissionDate})`);
      if (new Date(info.deprecationDate) <= now) {
        const newer = Object.keys(supported.RUNTIMES).filter((r) => r.startsWith('nodejs') && new Date(supported.RUNTIMES[r]!.deprecationDate) > now);
        const advice = `${info.friendly} is deprecated since ${info.deprecationDate}: deploys stop on ${info.decommissionDate}; move to ${newer.length > 0 ? newer.join(' or ') : 'a newer runtime'} ("runtime" in firebase.json, "engines.node" in ${codebase.source ?? 'functions'}/package.json)`;
        if (options.deprecatedRuntime === 'warn') notes.push(advice);
        else problems.push(`firebase.json runtime ${runtime}: ${advice}`);
      }
    } catch (error) {
      const newer = Object.keys(supported.RUNTIMES).filter((r) => r.startsWith('nodejs') && new Date(supported.RUNTIMES[r]!.deprecationDate) > now);
      problems.push(`firebase.json runtime ${runtime}: ${(error as Error).message} Set "runtime" to ${newer.join(' or ') || 'a newer runtime'} in firebase.json and "engines.node" in ${codebase.source ?? 'functions'}/package.json.`);
    }
    const source = codebase.source ?? 'functions';
    const enginesPath = join(projectDir, source, 'package.json');
    if (existsSync(enginesPath)) {
      const engines = (JSON.parse(readFileSync(enginesPath, 'utf8')) as { engines?: { node?: string } }).engines?.node;
      const major = runtime.replace(/^nodejs/, '');
      if (engines && engines.replace(/[^0-9].*$/, '') !== major && !engines.startsWith(`${major}.`)) {
        problems.push(`${source}/package.json engines.node is "${engines}" but firebase.json deploys ${runtime}: make them the same major version`);
      }
    }
  }

  // Firestore: database declaration, indexes and TTL policies.
  const firestore = Array.isArray(config.firestore) ? config.firestore[0] : config.firestore;
  const database = { id: firestore?.database ?? '(default)', location: firestore?.location ?? '', edition: (firestore?.edition ?? '').toUpperCase() };
  if (!firestore) problems.push('firebase.json has no "firestore" section: the deploy would create no rules, indexes or TTL policies');
  if (firestore && !firestore.location) problems.push('firebase.json "firestore.location" is not declared: a first deploy would create the database in nam5; declare the location you want (e.g. "nam5" or "eur3")');
  if (firestore && !['STANDARD', 'ENTERPRISE'].includes(database.edition)) {
    problems.push(`firebase.json "firestore.edition" is ${firestore.edition ? `"${firestore.edition}", not an edition` : 'not declared'}: declare "standard"`);
  }
  const { indexes, ttlPolicies } = checkIndexesFile(firestore?.indexes ? join(projectDir, firestore.indexes) : undefined, problems);
  const hosting = checkHostingConfig(projectDir, options.configFile ?? 'firebase.json', config, problems);

  // Functions: discovery as the deploy runs it, then firebase-tools' endpoint validation.
  let functions: Endpoint[] = [];
  let minInstancesMonthlyCost = 0;
  if (options.functions !== false && codebases.length > 0 && problems.length === 0) {
    const readme = join(projectDir, 'README.md');
    for (const codebase of codebases) {
      const found = await checkCodebase(projectDir, codebase, projectId, readme, problems, notes, options.env ?? {});
      functions = functions.concat(found);
    }
    const pricing = tools<{ canCalculateMinInstanceCost(e: Endpoint): boolean; monthlyMinInstanceCost(e: Endpoint[]): number }>('deploy/functions/pricing');
    const warm = functions.filter((e) => (e.minInstances ?? 0) > 0);
    if (warm.length > 0 && warm.every((e) => pricing.canCalculateMinInstanceCost(e))) minInstancesMonthlyCost = pricing.monthlyMinInstanceCost(warm);
    if (hosting) checkFunctionRewrites(hosting, functions, problems);
  } else if (options.functions !== false && problems.length > 0) {
    notes.push('functions were not discovered: fix the problems above first');
  }

  if (problems.length > 0) throw new DeployCheckError(problems);
  const hostingPlan = hosting && { public: hosting.public ?? '', rewrites: (hosting.rewrites ?? []).map(describeRewrite) };
  return { projectId, database, runtimes, functions, indexes, ttlPolicies, minInstancesMonthlyCost, hosting: hostingPlan, notes };
}

/** Headers every Hosting path must carry, and what their values must say. */
const requiredHostingHeaders: Array<{ key: string; check: (value: string) => string | undefined }> = [
  {
    key: 'Content-Security-Policy',
    check: (value) => {
      const directives = new Map(value.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
        const [name = '', ...sources] = d.split(/\s+/);
        return [name.toLowerCase(), sources] as const;
      }));
      const missing: string[] = [];
      if (!directives.get('frame-ancestors')?.includes("'none'")) missing.push("frame-ancestors 'none'");
      if (!directives.get('object-src')?.includes("'none'")) missing.push("object-src 'none'");
      if (!directives.has('base-uri')) missing.push('base-uri');
      const scripts = directives.get('script-src') ?? directives.get('default-src');
      if (!scripts) missing.push('script-src');
      else if (scripts.some((source) => ["'unsafe-inline'", "'unsafe-eval'", '*', 'http:', 'https:'].includes(source))) missing.push("script-src without 'unsafe-inline', 'unsafe-eval' or wildcards");
      return missing.length > 0 ? `needs ${missing.join(', ')}` : undefined;
    },
  },
  { key: 'X-Content-Type-Options', check: (value) => (value.toLowerCase() === 'nosniff' ? undefined : 'must be "nosniff"') },
  { key: 'X-Frame-Options', check: (value) => (value.toUpperCase() === 'DENY' ? undefined : 'must be "DENY"') },
  { key: 'Strict-Transport-Security', check: (value) => (/max-age=\d{7,}/.test(value) ? undefined : 'needs a max-age of at least 1000000 seconds (a year is 31536000)') },
  { key: 'Referrer-Policy', check: (value) => (/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/.test(value.trim()) ? undefined : 'must not send full URLs to other origins') },
  { key: 'Permissions-Policy', check: (value) => (value.trim() ? undefined : 'is empty') },
];

/**
 * firebase.json's `hosting`: firebase-tools' schema and hosting config validation (what
 * `firebase deploy --only hosting` loads), the public folder, the security headers on every path.
 * Returns the (single) normalized config, or undefined when there is none to deploy.
 */
export function checkHostingConfig(projectDir: string, configFile: string, raw: Record<string, unknown>, problems: string[]): HostingConfig | undefined {
  if (!raw.hosting) {
    problems.push('firebase.json has no "hosting" section: the console would not be deployed (public "console/dist", /v1/** rewritten to the v1 function)');
    return undefined;
  }
  const schema = tools<{ getValidator(): ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string }> | null }; getErrorMessage(error: unknown): string }>('firebaseConfigValidate');
  const validator = schema.getValidator();
  if (!validator(raw)) {
    const messages = new Set((validator.errors ?? []).filter((error) => error.instancePath.startsWith('/hosting')).map((error) => schema.getErrorMessage(error)));
    for (const message of messages) problems.push(`firebase.json hosting: ${message}`);
  }
  let configs: HostingConfig[];
  try {
    configs = loadHostingConfigs(projectDir, configFile);
  } catch (error) {
    problems.push(`firebase.json hosting: ${(error as Error).message}`);
    return undefined;
  }
  if (configs.length !== 1) {
    problems.push(`firebase.json declares ${configs.length} hosting sites; Keywarden serves one (the console, same origin as /v1)`);
    return undefined;
  }
  const hosting = configs[0]!;
  const publicDir = hosting.public ?? hosting.source;
  if (!publicDir) problems.push('firebase.json hosting declares no "public" folder: set it to "console/dist"');
  else if (!existsSync(join(resolve(projectDir, publicDir), 'index.html'))) {
    problems.push(`hosting public folder ${publicDir}/index.html is missing: run npm run build (it builds the console into ${publicDir}); a deploy would publish a site without the console`);
  }

  // Headers on every path: a rule whose source matches everything.
  const everywhere = (hosting.headers ?? []).filter((rule) => rule.source === '**' || rule.source === '/**' || rule.glob === '**');
  const values = new Map<string, string>();
  for (const rule of everywhere) for (const header of rule.headers ?? []) values.set(header.key.toLowerCase(), header.value);
  for (const { key, check } of requiredHostingHeaders) {
    const value = values.get(key.toLowerCase());
    if (value === undefined) {
      problems.push(`firebase.json hosting sets no ${key} header on every path ("source": "**")`);
      continue;
    }
    const wrong = check(value);
    if (wrong) problems.push(`firebase.json hosting header ${key} ${wrong} (it is "${value}")`);
  }
  return hosting;
}

/** Every `function` rewrite names an HTTPS function this deploy creates, in the rewrite's region. */
export function checkFunctionRewrites(hosting: HostingConfig, functions: Endpoint[], problems: string[]): void {
  for (const rewrite of hosting.rewrites ?? []) {
    if (!rewrite.function) continue;
    const { functionId, region = 'us-central1' } = rewrite.function;
    const named = functions.filter((e) => e.id === functionId);
    const where = `firebase.json hosting rewrite ${describeRewrite(rewrite)}`;
    if (named.length === 0) {
      problems.push(`${where}: functions/lib/index.js exports no function "${functionId}" that the deploy would create`);
    } else if (!named.some((e) => e.region === region)) {
      problems.push(`${where}: "${functionId}" deploys to ${named.map((e) => e.region).join(', ')}, not ${region}; set the rewrite's "region" to where it deploys (LOCATION)`);
    } else if (!named.some((e) => e.region === region && e.httpsTrigger)) {
      problems.push(`${where}: "${functionId}" is not an HTTPS function; Hosting can only rewrite to HTTPS functions`);
    }
  }
}

function describeRewrite(rewrite: NonNullable<HostingConfig['rewrites']>[number]): string {
  const source = rewrite.source ?? rewrite.regex ?? '?';
  if (rewrite.function) return `${source} → function ${rewrite.function.functionId} (${rewrite.function.region ?? 'us-central1'})`;
  if (rewrite.run) return `${source} → Cloud Run ${rewrite.run.serviceId}`;
  return `${source} → ${rewrite.destination ?? '?'}`;
}

/** Validates an indexes file the way `firebase deploy` does, and finds what it would trip on. */
export function checkIndexesFile(path: string | undefined, problems: string[]): { indexes: IndexSpec[]; ttlPolicies: Array<{ collectionGroup: string; fieldPath: string }> } {
  if (!path) return { indexes: [], ttlPolicies: [] };
  const { FirestoreApi } = tools<FirestoreApiModule>('firestore/api');
  const { loadCJSON } = tools<{ loadCJSON(path: string): { indexes?: unknown[]; fieldOverrides?: unknown[] } }>('loadCJSON');
  const name = path.split('/').pop();
  let raw: { indexes?: unknown[]; fieldOverrides?: unknown[] };
  try {
    raw = loadCJSON(path);
  } catch (error) {
    problems.push(`${name}: ${(error as Error).message}`);
    return { indexes: [], ttlPolicies: [] };
  }
  if (!Array.isArray(raw.indexes)) {
    problems.push(`${name} must contain an "indexes" array (firebase deploy skips the file otherwise)`);
    return { indexes: [], ttlPolicies: [] };
  }
  const api = new FirestoreApi();
  const spec = api.upgradeOldSpec({ indexes: raw.indexes, fieldOverrides: raw.fieldOverrides ?? [] });
  // Per entry, so each message names the entry it is about (the deploy stops at the first).
  spec.indexes.forEach((index, i) => {
    try {
      api.validateSpec({ indexes: [index] });
    } catch (error) {
      problems.push(`${name} indexes[${i}] ${describeIndex(index)}: ${(error as Error).message}`);
    }
  });
  spec.fieldOverrides.forEach((field, i) => {
    try {
      api.validateSpec({ indexes: [], fieldOverrides: [field] });
    } catch (error) {
      problems.push(`${name} fieldOverrides[${i}] (${field.collectionGroup ?? '?'}.${field.fieldPath ?? '?'}): ${(error as Error).message}${'ttl' in field ? ' A TTL policy is {"collectionGroup", "fieldPath", "ttl": true, "indexes": []}.' : ''}`);
    }
  });

  // Equal after normalisation: the deploy lists existing indexes once, then creates each entry
  // it does not match; the second of two equal entries is answered 409 and the deploy aborts.
  // Model what the server holds after creating an entry (firebase-tools' processIndex appends
  // __name__ as Firestore does) and match later entries with the deploy's own indexMatchesSpec.
  const created: Array<{ i: number; index: unknown }> = [];
  spec.indexes.forEach((index, i) => {
    if (!Array.isArray(index.fields) || typeof index.collectionGroup !== 'string') return;
    const copy = JSON.parse(JSON.stringify(index)) as IndexSpec;
    const duplicateOf = created.find((c) => {
      try {
        return api.indexMatchesSpec(c.index, JSON.parse(JSON.stringify(copy)) as IndexSpec, 'STANDARD');
      } catch {
        return false;
      }
    });
    if (duplicateOf) {
      problems.push(
        `${name} indexes[${i}] ${describeIndex(index)} is the same index as indexes[${duplicateOf.i}] ${describeIndex(spec.indexes[duplicateOf.i]!)} ` +
          `once Firestore appends __name__ in the direction of the last field: on a fresh project the second create answers 409 and the deploy aborts. Remove one.`,
      );
      return;
    }
    const normalised = FirestoreApi.processIndex(JSON.parse(JSON.stringify(copy)) as IndexSpec);
    created.push({
      i,
      index: { ...normalised, name: `projects/p/databases/(default)/collectionGroups/${index.collectionGroup}/indexes/i${i}` },
    });
  });

  // TTL policies: well formed beyond the schema.
  const ttlPolicies: Array<{ collectionGroup: string; fieldPath: string }> = [];
  const seen = new Map<string, number>();
  spec.fieldOverrides.forEach((field, i) => {
    const where = `${name} fieldOverrides[${i}] (${field.collectionGroup}.${field.fieldPath})`;
    const key = `${field.collectionGroup}\u0000${field.fieldPath}`;
    if (seen.has(key)) problems.push(`${where} repeats fieldOverrides[${seen.get(key)}]: the deploy patches the field twice and the last one wins; keep one`);
    seen.set(key, i);
    if (!('ttl' in field)) return;
    if (field.ttl === false) return;
    if (field.ttl !== true) return; // reported by validateSpec above
    if (typeof field.fieldPath !== 'string' || field.fieldPath === '' || field.fieldPath === '__name__' || field.fieldPath.includes('*')) {
      problems.push(`${where}: a TTL policy needs a plain timestamp field, not "${field.fieldPath}"`);
      return;
    }
    if (typeof field.collectionGroup !== 'string' || !/^[^/]+$/.test(field.collectionGroup)) {
      problems.push(`${where}: collectionGroup must be a collection id, without "/"`);
      return;
    }
    const other = ttlPolicies.find((p) => p.collectionGroup === field.collectionGroup);
    if (other) {
      problems.push(`${where}: collection group ${field.collectionGroup} already has a TTL policy on ${other.fieldPath}; Firestore allows one TTL field per collection group`);
      return;
    }
    if (Array.isArray(field.indexes) && field.indexes.length > 0) {
      problems.push(`${where}: a TTL field should not be indexed ("indexes": []): an index on an ever-increasing timestamp is a write hotspot and TTL does not need it`);
    }
    ttlPolicies.push({ collectionGroup: field.collectionGroup, fieldPath: field.fieldPath });
  });
  return { indexes: spec.indexes, ttlPolicies };
}

function describeIndex(index: IndexSpec): string {
  const fields = Array.isArray(index.fields) ? index.fields.map((f) => `${f.fieldPath} ${f.order === 'DESCENDING' ? 'DESC' : f.order === 'ASCENDING' ? 'ASC' : (f.arrayConfig ?? '?')}`) : [];
  return `${index.collectionGroup} (${fields.join(', ')})`;
}

interface ExportInfo { name: string; kind: 'endpoint' | 'undefined' | 'function' | 'object' | 'other' }

/** Discovers one codebase as configured and with every optional feature on. */
async function checkCodebase(
  projectDir: string,
  codebase: FunctionsConfig,
  projectId: string,
  readmePath: string,
  problems: string[],
  notes: string[],
  extraEnv: Record<string, string>,
): Promise<Endpoint[]> {
  const sourceDir = join(projectDir, codebase.source ?? 'functions');
  const runtimes = tools<{ getRuntimeDelegate(ctx: Record<string, unknown>): Promise<RuntimeDelegate> }>('deploy/functions/runtimes');
  const functionsEnv = tools<{
    loadUserEnvs(opts: Record<string, unknown>): Record<string, string>;
    loadFirebaseEnvs(config: unknown, projectId: string): Record<string, string>;
  }>('functions/env');
  const build = tools<BuildModule>('deploy/functions/build');
  const backendModule = tools<BackendModule>('deploy/functions/backend');
  const prepare = tools<{ resolveCpuAndConcurrency(b: Backend): void; resolveDefaultTimeout(b: Backend): void }>('deploy/functions/prepare');
  const validate = tools<{ endpointsAreValid(want: Backend, have: Backend): void }>('deploy/functions/validate');

  if (!existsSync(join(sourceDir, 'lib', 'index.js'))) {
    problems.push(`${codebase.source}/lib/index.js is missing: run npm run build (the deploy's predeploy step builds it)`);
    return [];
  }
  const delegate = await runtimes.getRuntimeDelegate({ projectId, sourceDir, projectDir, runtime: codebase.runtime });
  await delegate.validate();
  const firebaseConfig = { projectId, storageBucket: `${projectId}.firebasestorage.app` };
  let userEnvs: Record<string, string>;
  try {
    userEnvs = { ...functionsEnv.loadUserEnvs({ functionsSource: sourceDir, projectId, projectDir }), ...extraEnv };
  } catch (error) {
    problems.push(`${codebase.source}/.env files: ${(error as Error).message}`);
    return [];
  }
  const baseEnv: Record<string, string> = { ...userEnvs, ...functionsEnv.loadFirebaseEnvs(firebaseConfig, projectId), GOOGLE_CLOUD_QUOTA_PROJECT: projectId };

  const discover = async (env: Record<string, string>, label: string): Promise<Endpoint[] | undefined> => {
    let discovered: unknown;
    try {
      discovered = await delegate.discoverBuild({ firebase: firebaseConfig }, env);
    } catch (error) {
      problems.push(`discovery (${label}) failed: ${(error as Error).message}`);
      return undefined;
    }
    (discovered as { runtime?: string }).runtime = codebase.runtime;
    let backend: Backend;
    try {
      // nonInteractive: a param without a value stops the check as it stops `firebase deploy
      // --non-interactive`. isEmulator only skips the Secret Manager lookups (offline).
      ({ backend } = await build.resolveBackend({ build: discovered, firebaseConfig, userEnvs: env, codebase: codebase.codebase, nonInteractive: true, isEmulator: true }));
    } catch (error) {
      problems.push(`params (${label}): ${(error as Error).message}`);
      return undefined;
    }
    prepare.resolveCpuAndConcurrency(backend);
    prepare.resolveDefaultTimeout(backend);
    try {
      validate.endpointsAreValid(backend, backendModule.empty());
    } catch (error) {
      problems.push(`functions (${label}): ${(error as Error).message}`);
    }
    const endpoints = backendModule.allEndpoints(backend).sort((a, b) => a.id.localeCompare(b.id));
    const exported = listExports(sourceDir, env);
    const ids = new Set(endpoints.map((e) => e.id));
    for (const item of exported) {
      if (item.kind === 'undefined') continue;
      if (item.kind !== 'endpoint') {
        problems.push(`${codebase.source}/lib/index.js exports "${item.name}" (${item.kind}), which the deploy would not discover as a function (${label}); export only functions built with firebase-functions`);
      } else if (!ids.has(item.name)) {
        problems.push(`${codebase.source}/lib/index.js exports function "${item.name}" but the deploy's discovery did not find it (${label})`);
      }
    }
    return endpoints;
  };

  // The deploy's file-based discovery (firebase-functions writes functions.yaml and exits)
  // rather than its admin server, which leaves a 10 s kill timer behind.
  process.env.FIREBASE_FUNCTIONS_DISCOVERY_OUTPUT_PATH ??= 'true';
  // firebase-tools gives the functions 10 s to load; a loaded 2-core machine (npm test runs
  // this beside lint and the type checks) can need more, and the answer does not depend on it.
  process.env.FUNCTIONS_DISCOVERY_TIMEOUT ??= '60';
  const configured = await discover(baseEnv, 'as configured');
  if (!configured) return [];
  const allOnEnv = { ...baseEnv, ...Object.fromEntries(optionalFeatureSwitches.map((name) => [name, 'on'])) };
  const allOn = optionalFeatureSwitches.every((name) => /^(on|true|1|yes)$/i.test(baseEnv[name] ?? '')) ? configured : await discover(allOnEnv, 'every optional feature on');
  if (configured.some((e) => e.id === 'benchFloor')) problems.push('benchFloor would be deployed: it is the benchmark\'s floor and must exist only locally');

  // Every secret any configuration binds is documented in README's deploy section.
  const readme = existsSync(readmePath) ? readFileSync(readmePath, 'utf8') : '';
  const section = readme.match(/^## Deploy to production\n([\s\S]*?)(?=^## |$(?![\s\S]))/m)?.[1] ?? '';
  if (!section) problems.push('README.md has no "## Deploy to production" section documenting the secrets');
  const secrets = new Set((allOn ?? configured).flatMap((e) => (e.secretEnvironmentVariables ?? []).map((s) => s.secret)));
  for (const secret of secrets) {
    if (section && !section.includes(secret)) problems.push(`secret ${secret} is bound by ${(allOn ?? configured).filter((e) => e.secretEnvironmentVariables?.some((s) => s.secret === secret)).map((e) => e.id).join(', ')} but README's "Deploy to production" does not document it`);
  }
  const off = optionalFeatureSwitches.filter((name) => !/^(on|true|1|yes)$/i.test(baseEnv[name] ?? ''));
  if (off.length > 0) notes.push(`optional features off for ${projectId}: ${off.join(', ')} (set =on in ${codebase.source}/.env.${projectId} to deploy them)`);
  return configured;
}

/** What the built module exports, loaded in a child process with the deploy's environment. */
function listExports(sourceDir: string, env: Record<string, string>): ExportInfo[] {
  const script = `
    const mod = require(${JSON.stringify(join(sourceDir, 'lib', 'index.js'))});
    const out = Object.entries(mod).map(([name, v]) => ({ name, kind:
      v === undefined ? 'undefined'
      : typeof v === 'function' ? (v.__endpoint && typeof v.__endpoint === 'object' ? 'endpoint' : 'function')
      : v !== null && typeof v === 'object' ? 'object' : 'other' }));
    process.stdout.write(JSON.stringify(out));`;
  const output = execFileSync(process.execPath, ['-e', script], {
    cwd: sourceDir,
    env: { ...env, PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', FUNCTIONS_CONTROL_API: 'true', METADATA_SERVER_DETECTION: 'none' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(output) as ExportInfo[];
}

function triggerOf(e: Endpoint): string {
  if (e.httpsTrigger) return 'https';
  if (e.scheduleTrigger) return `schedule "${e.scheduleTrigger.schedule ?? '?'}"${e.scheduleTrigger.retryConfig?.retryCount === 0 ? ', no retry' : ''}`;
  if (e.eventTrigger) {
    const path = e.eventTrigger.eventFilterPathPatterns?.document ?? e.eventTrigger.eventFilters?.document ?? '';
    return `${e.eventTrigger.eventType.replace(/^google\.cloud\.firestore\.document\.v1\./, 'firestore ')} ${path}${e.eventTrigger.retry ? ', retried' : ''}`;
  }
  return 'other';
}

export function formatPlan(plan: DeployPlan): string {
  const lines: string[] = [];
  lines.push(`deploy:check passed. A \`firebase deploy\` to ${plan.projectId} would create or update:`);
  lines.push('');
  lines.push(`Runtime: ${plan.runtimes.join('; ')}`);
  lines.push(`Firestore database ${plan.database.id}: location ${plan.database.location}, edition ${plan.database.edition} (created on the first deploy if missing)`);
  lines.push('');
  if (plan.functions.length > 0) {
    lines.push(`Functions (${plan.functions.length}):`);
    const rows = plan.functions.map((e) => [
      e.id,
      triggerOf(e),
      e.region,
      `${e.availableMemoryMb ?? 256}MiB`,
      `cpu ${e.cpu}`,
      `concurrency ${e.concurrency}`,
      `instances ${e.minInstances ?? 0}..${e.maxInstances ?? '∞'}`,
      `timeout ${e.timeoutSeconds ?? 60}s`,
      (e.secretEnvironmentVariables ?? []).map((s) => s.secret).join(',') || '-',
    ]);
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const row of rows) lines.push(`  ${row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}`);
    const secrets = [...new Set(plan.functions.flatMap((e) => (e.secretEnvironmentVariables ?? []).map((s) => s.secret)))].sort();
    lines.push(`  Secrets that must exist before deploying: ${secrets.join(', ') || 'none'}`);
    lines.push(`  Warm (minInstances) cost: ${plan.minInstancesMonthlyCost > 0 ? `about $${plan.minInstancesMonthlyCost.toFixed(2)} per month (firebase-tools' estimate)` : 'none (no minInstances)'}`);
    lines.push('');
  }
  lines.push(`Composite indexes (${plan.indexes.length}):`);
  for (const index of plan.indexes) lines.push(`  ${describeIndex(index)}`);
  lines.push('');
  lines.push(`TTL policies (${plan.ttlPolicies.length}):`);
  for (const ttl of plan.ttlPolicies) lines.push(`  ${ttl.collectionGroup}.${ttl.fieldPath}`);
  if (plan.hosting) {
    lines.push('');
    lines.push(`Hosting: ${plan.hosting.public}, rewrites:`);
    for (const rewrite of plan.hosting.rewrites) lines.push(`  ${rewrite}`);
  }
  for (const note of plan.notes) lines.push(`\nNote: ${note}`);
  return lines.join('\n');
}

function parseArgs(argv: string[]): DeployCheckOptions {
  const options: DeployCheckOptions = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[i + 1];
      if (!next) throw new Error(`${arg} needs a value`);
      i += 1;
      return next;
    };
    if (arg === '--project' || arg === '-P') options.projectId = value();
    else if (arg.startsWith('--project=')) options.projectId = arg.slice('--project='.length);
    else if (arg === '--config') options.configFile = value();
    else if (arg === '--warn-deprecated-runtime') options.deprecatedRuntime = 'warn';
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run deploy:check [-- --project <project-id>] [--config firebase.json] [--warn-deprecated-runtime]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  // Tests only: "today" for the runtime support window, so both sides of a deprecation date can be checked.
  const today = process.env.KEYWARDEN_DEPLOY_CHECK_TODAY;
  if (today) {
    options.now = new Date(today);
    if (Number.isNaN(options.now.getTime())) throw new Error(`KEYWARDEN_DEPLOY_CHECK_TODAY=${today} is not a date`);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  deployCheck(parseArgs(process.argv.slice(2)))
    .then((plan) => {
      process.stdout.write(`${formatPlan(plan)}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof DeployCheckError ? error.message : `deploy:check could not run: ${(error as Error).stack ?? String(error)}`}\n`);
      process.exitCode = 1;
    });
}
