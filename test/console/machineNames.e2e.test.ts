/**
 * What an app says about its machine when it activates (seed 004 `activate`: optional
 * `machineName` and `os`) is stored on the device and shown to the vendor as the app said it:
 * verbatim, bounded, never interpreted.
 */
import { describe, expect, it } from 'vitest';
import { uniqueHwid } from '../support/fixtures.js';
import { call } from '../support/http.js';
import { createV1License, expectStatus, getV1License, sdkValidate, tenant } from '../v1/v1Support.js';

const hostileName = '<img src=x onerror=alert(1)>';

describe('machine name and OS on activation', () => {
  it('are stored with the device and shown verbatim in the license view; a new name replaces the old one', async () => {
    const { account, app, appId } = await tenant();
    const licenseKey = await createV1License(account.apiKey, appId, { maxHwidSlots: 3 });
    const hwid = uniqueHwid();
    expectStatus(await call('activate', { body: { licenseKey, hwid, machineName: hostileName, os: 'Windows 11 Pro' } }), 200);
    let license = await getV1License(account.apiKey, licenseKey);
    expect(license.devices).toEqual([expect.objectContaining({ hwid, machineName: hostileName, os: 'Windows 11 Pro' })]);

    expectStatus(await call('activate', { body: { licenseKey, hwid, machineName: 'Studio PC', os: 'Windows 11 Pro' } }), 200);
    license = await getV1License(account.apiKey, licenseKey);
    expect(license.devices).toEqual([expect.objectContaining({ hwid, machineName: 'Studio PC', os: 'Windows 11 Pro' })]);

    // An SDK validate says nothing about the machine: its device shows nulls.
    const sdkDevice = uniqueHwid();
    expectStatus(await sdkValidate(app, licenseKey, sdkDevice), 200);
    license = await getV1License(account.apiKey, licenseKey);
    expect(license.devices.find((device) => device.hwid === sdkDevice)).toMatchObject({ machineName: null, os: null });
  });

  it('an oversized or non-string machine name is refused with 400 and binds nothing', async () => {
    const { account, appId } = await tenant();
    const licenseKey = await createV1License(account.apiKey, appId);
    for (const extra of [{ machineName: 'x'.repeat(129) }, { os: 'y'.repeat(65) }, { machineName: { nested: true } }, { machineName: '' }]) {
      const response = await call('activate', { body: { licenseKey, hwid: uniqueHwid(), ...extra } });
      expect(response.status, response.text).toBe(400);
    }
    // deactivate takes no description.
    const refused = await call('deactivate', { body: { licenseKey, hwid: uniqueHwid(), machineName: 'x' } });
    expect(refused.status, refused.text).toBe(400);
    expect((await getV1License(account.apiKey, licenseKey)).devices).toEqual([]);
  });
});
