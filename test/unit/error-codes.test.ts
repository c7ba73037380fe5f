import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyError, classifyStatus } from '../../src/engine/error-codes.js';

test('errors are classified by code, never by message', () => {
  assert.equal(classifyError({ code: 'EADDRNOTAVAIL', message: 'anything' }), 'EADDRNOTAVAIL');
  assert.equal(classifyError({ code: 'EHOSTDOWN' }), 'EHOSTDOWN');
  assert.equal(classifyError({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'TLS');
  assert.equal(classifyError({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'TLS');
  assert.equal(classifyError({ code: 'ERR_SOMETHING' }), 'OTHER');
  assert.equal(classifyError(new Error('EADDRINUSE in the text only')), 'OTHER');
  assert.equal(classifyError(null), 'OTHER');
});

test('statuses map to classes; 2xx is success', () => {
  assert.equal(classifyStatus(200), null);
  assert.equal(classifyStatus(204), null);
  assert.equal(classifyStatus(101), 'HTTP_1XX');
  assert.equal(classifyStatus(301), 'HTTP_3XX');
  assert.equal(classifyStatus(404), 'HTTP_4XX');
  assert.equal(classifyStatus(502), 'HTTP_5XX');
});
