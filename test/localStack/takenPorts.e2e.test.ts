/**
 * firebase-tools' emulators must be told their ports before they start, so the stack picks free
 * ones; another process can bind one between the pick and the emulator's own bind (several test
 * runs, npm start and the helpers' servers share the machine). The emulator is then started
 * again on fresh ports instead of failing the run. A port the caller fixed is not replaced.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePorts, startAuthEmulator, type AuthEmulator, type PortPicker } from '../../scripts/lib/localStack.js';

const squatters: Server[] = [];
const emulators: AuthEmulator[] = [];

afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.stop()));
  await Promise.all(squatters.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** Another process's server on a port of 127.0.0.1. */
async function takenPort(): Promise<number> {
  const server = createServer();
  squatters.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return address.port;
}

/** Hands out the given picks first (each a list with a taken port in it), then free ports; records every pick. */
function picker(first: number[][]): { pickPorts: PortPicker; picks: number[][] } {
  const picks: number[][] = [];
  const pickPorts: PortPicker = async (count) => {
    const ports = first[picks.length] ?? (await freePorts(count));
    picks.push(ports);
    return ports;
  };
  return { pickPorts, picks };
}

describe('ports picked for firebase-tools emulators', () => {
  it('the Auth emulator whose picked port, then hub port, was taken first starts on fresh ports and answers there', async () => {
    const [taken, other] = [await takenPort(), await takenPort()];
    const [free1 = 0, free2 = 0] = await freePorts(2);
    const { pickPorts, picks } = picker([[taken, free1, free2], [free1, other, free2]]);
    const auth = await startAuthEmulator({ pickPorts });
    emulators.push(auth);
    expect(picks).toHaveLength(3);
    const port = picks[2]![0]!;
    expect(auth.host).toBe(`127.0.0.1:${port}`);
    expect([taken, other]).not.toContain(port);
    // The emulator's own REST API answers there (the project's config, as an SDK would read it).
    const answer = await fetch(`http://${auth.host}/emulator/v1/projects/demo-keywarden/config`, { signal: AbortSignal.timeout(10_000) });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toHaveProperty('signIn');
  }, 420_000);

  it('a port the caller fixed that is taken fails at once, naming the port, without trying others', async () => {
    const taken = await takenPort();
    const { pickPorts, picks } = picker([]);
    await expect(startAuthEmulator({ port: taken, pickPorts })).rejects.toThrow(new RegExp(`port ${taken} is in use`));
    expect(picks).toHaveLength(1);
  }, 120_000);
});
