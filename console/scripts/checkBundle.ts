/**
 * Fails the build when the JavaScript a page's first load fetches (its entry chunk and
 * everything it imports statically, per Vite's manifest) exceeds that page's gzip budget, and
 * prints the figures either way: the console (index.html) 250 KB, the buyers' portal
 * (portal.html) 60 KB, which must also carry no Firebase SDK. Dynamic imports are not counted.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

interface Entry { name: string; html: string; budgetBytes: number; withoutFirebase: boolean }
const entries: Entry[] = [
  { name: 'console', html: 'index.html', budgetBytes: 250 * 1024, withoutFirebase: false },
  { name: 'portal', html: 'portal.html', budgetBytes: 60 * 1024, withoutFirebase: true },
];

interface ManifestChunk { file: string; isEntry?: boolean; imports?: string[]; css?: string[] }
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;

function initialFiles(key: string, into = new Set<string>()): Set<string> {
  const chunk = manifest[key];
  if (!chunk || into.has(chunk.file)) return into;
  into.add(chunk.file);
  for (const imported of chunk.imports ?? []) initialFiles(imported, into);
  return into;
}

let failed = false;
const everyInitial = new Set<string>();
for (const entry of entries) {
  if (!manifest[entry.html]?.isEntry) {
    console.error(`${entry.name}: ${entry.html} is not an entry of the build (vite.config.ts rolldownOptions.input)`);
    failed = true;
    continue;
  }
  let total = 0;
  for (const file of [...initialFiles(entry.html)].sort()) {
    everyInitial.add(file);
    const content = readFileSync(join(dist, file));
    const size = gzipSync(content, { level: 9 }).length;
    total += size;
    console.log(`  ${entry.name} ${file}: ${(size / 1024).toFixed(1)} KB gzipped`);
    // The Firebase Auth SDK names its endpoints; the portal signs in through /v1 alone.
    if (entry.withoutFirebase && content.toString('utf8').includes('identitytoolkit.googleapis.com')) {
      console.error(`${entry.name}: ${file} carries the Firebase Auth SDK`);
      failed = true;
    }
  }
  console.log(`${entry.name}: initial JavaScript ${(total / 1024).toFixed(1)} KB gzipped (budget ${entry.budgetBytes / 1024} KB)`);
  if (total > entry.budgetBytes) {
    console.error(`${entry.name}: the initial JavaScript exceeds the ${entry.budgetBytes / 1024} KB gzip budget`);
    failed = true;
  }
}
const lazyCount = Object.values(manifest).filter((chunk) => chunk.file.endsWith('.js') && !everyInitial.has(chunk.file)).length;
console.log(`${lazyCount} lazy chunks`);
if (failed) process.exit(1);
