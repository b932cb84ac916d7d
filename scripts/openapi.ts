/**
 * Writes the v1 OpenAPI document (the one GET /v1/openapi.json serves, generated from the
 * route declarations) to console/src/api/openapi.json, where openapi-typescript turns it into
 * the console's client types. The console's build and typecheck run this first, so a console
 * that no longer matches the API fails its typecheck.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { v1OpenApiDocument } from '../functions/src/endpoints/v1.js';

const target = resolve(dirname(fileURLToPath(import.meta.url)), '../console/src/api/openapi.json');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, `${JSON.stringify(v1OpenApiDocument(), null, 2)}\n`);
console.log(`openapi: wrote ${Object.keys(v1OpenApiDocument().paths).length} paths to ${target}`);
