/**
 * Fails the build when the JavaScript the first page load fetches (the entry chunk and
 * everything it imports statically, per Vite's manifest) exceeds 250 KB gzipped, and prints
 * the figure either way. Feature pages are dynamic imports and are not counted.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const budgetBytes = 250 * 1024;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

interface ManifestChunk { file: string; isEntry?: boolean; imports?: string[]; css?: string[] }
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;

const initial = new Set<string>();
function visit(key: string): void {
  const chunk = manifest[key];
  if (!chunk || initial.has(chunk.file)) return;
  initial.add(chunk.file);
  for (const imported of chunk.imports ?? []) visit(imported);
}
for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);

let total = 0;
for (const file of [...initial].sort()) {
  const size = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  total += size;
  console.log(`  ${file}: ${(size / 1024).toFixed(1)} KB gzipped`);
}
const lazyCount = Object.values(manifest).filter((chunk) => chunk.file.endsWith('.js') && !initial.has(chunk.file)).length;
console.log(`console: initial JavaScript ${(total / 1024).toFixed(1)} KB gzipped (budget ${budgetBytes / 1024} KB), ${lazyCount} lazy chunks`);
if (total > budgetBytes) {
  console.error(`console: the initial JavaScript exceeds the ${budgetBytes / 1024} KB gzip budget`);
  process.exit(1);
}
