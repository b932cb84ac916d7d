#!/usr/bin/env bash
# Runs the same project under the official Firebase Emulator Suite (Firestore + Functions).
# Needs Java 21+ and, the first time, network access to download the Firestore emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
if [ -z "${java_major}" ] || [ "${java_major}" -lt 21 ]; then
  echo "The official Firestore emulator needs Java 21 or newer (found: ${java_major:-none})." >&2
  echo "Use 'npm start' instead: it runs the embedded Firestore emulator." >&2
  exit 1
fi
npx tsx -e "import('./scripts/lib/localStack.ts').then(m => m.ensureAdminSecret())"
npm run build
exec npx firebase emulators:start --only functions,firestore --project demo-keywarden
