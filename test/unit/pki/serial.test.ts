import test from 'ava';
import { serialHex } from '../../../src/pki/inspect.js';

test('serialHex: two digits per byte as openssl prints a serial; only a sign byte 00 is dropped', (t) => {
  t.is(serialHex(Buffer.from('0a969f55', 'hex')), '0a969f55', 'a leading zero nibble stays, as in `openssl x509 -serial`');
  t.is(serialHex(Buffer.from('008a11', 'hex')), '8a11', 'the DER sign byte is not part of the number');
  t.is(serialHex(Buffer.from('00', 'hex')), '00');
});
