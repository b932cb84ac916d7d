/**
 * The sign-in mail, as a document for Firebase's Trigger Email extension: `{to, message:
 * {subject, text, html}}`. Every value that comes from the vendor (the product name) is
 * HTML-escaped in the html part.
 */
import type { Timestamp } from 'firebase-admin/firestore';
import { portal } from '../../config/constants.js';
import { portalExpireAt, type MailDocument } from '../../data/portal.js';

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character);

export function signInCodeMail(to: string, code: string, productName: string | null, now: Timestamp): MailDocument {
  const minutes = Math.round(portal.codeTtlSeconds / 60);
  const what = productName ? `${productName} licenses` : 'your licenses';
  const subject = productName ? `Your ${productName} sign-in code` : 'Your license portal sign-in code';
  const text = [
    `Your sign-in code for ${what}: ${code}`,
    '',
    `It works once, for ${minutes} minutes.`,
    'If you did not ask for it, ignore this mail: nobody can sign in without the code.',
  ].join('\n');
  const html = [
    `<p>Your sign-in code for ${escapeHtml(what)}:</p>`,
    `<p style="font-size:24px;font-weight:bold;letter-spacing:4px">${code}</p>`,
    `<p>It works once, for ${minutes} minutes.</p>`,
    '<p>If you did not ask for it, ignore this mail: nobody can sign in without the code.</p>',
  ].join('\n');
  return { to, message: { subject, text, html }, createdAt: now, expireAt: portalExpireAt(now) };
}
