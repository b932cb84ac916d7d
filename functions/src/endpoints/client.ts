import { onRequest } from 'firebase-functions/v2/https';
import { clientEndpoint } from '../http/clientEndpoint.js';
import { activateInput, deactivateInput, sessionInput, validateSessionInput, verifyInput } from '../schemas/client.js';
import * as client from '../services/client/clientLicensing.js';
import { clientFunctionOptions } from './options.js';

export const verify = onRequest(clientFunctionOptions, clientEndpoint({ name: 'verify', shape: 'valid', input: verifyInput }, client.verifyLicense));
export const activate = onRequest(clientFunctionOptions, clientEndpoint({ name: 'activate', shape: 'success', input: activateInput }, client.activateLicense));
export const validate = onRequest(clientFunctionOptions, clientEndpoint({ name: 'validate', shape: 'valid', input: validateSessionInput }, client.validateSession));
export const deactivate = onRequest(clientFunctionOptions, clientEndpoint({ name: 'deactivate', shape: 'success', input: deactivateInput }, client.deactivateLicense));
export const heartbeat = onRequest(clientFunctionOptions, clientEndpoint({ name: 'heartbeat', shape: 'success', input: sessionInput }, client.heartbeatSession));
