// PAdES B-T on the page: the signature's time-stamp token (RFC 3161) read
// as terbit's verify/signature/stamp.rs reads it, and weighed as
// verify/signature/pades.rs's judge weighs it, in the same words: a stamp
// proves when the signature existed only under an authority a district's
// signed trust list names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as F from './fixtures.mjs';
import { checkFileSignature, judgeFileSignature, readStamp, stampWords, generalized, forTimeStamping, subjectShown } from '../src/pades.js';
import { loadBundle, verifyText } from '../src/core.js';
import { reasonCode } from '../src/pdf_reasons.js';

const fromHex = (s) => Uint8Array.from(s.match(/../g), (x) => parseInt(x, 16));
const STAMPED = F.NOV_23 + 3600;

const root = F.districtRoot('3506');
const key = F.dk1Key('3506 stamp', '3506');
const pdfCert = F.pdfCertificate(root);
const tsa = F.tsaCertificate(root);
const list = F.trustList(root, '3506', [key], { pdfCerts: [pdfCert], tsaCerts: [tsa] });
const trust = loadBundle(F.bundle({ root, list }), F.NOV_23 + 7200);
const A = F.dk1Text(key, '3506-A');

/** A PDF signed by the district's PDF key, its signature stamped by `by` at `at` (the token changed by `change`). */
const stamped = ({ by = tsa, at = STAMPED, change = (t) => t, tst = {}, unsigned = null } = {}) =>
  F.makePdf([A], { sign: { cert: { ...pdfCert, unsigned: unsigned ?? ((sig) => F.stampAttributes(change(F.stampToken(by, sig, at, tst)))) } } });
const judged = (pdf, t = trust) => judgeFileSignature(checkFileSignature(pdf), t.pdfCerts, t.tsaCerts, '3506', F.NOV_23);

test('a stamped PDF from the district authority is genuine, and the page says when it existed', () => {
  const pdf = stamped();
  const sig = checkFileSignature(pdf);
  assert.equal(sig.state, 'holds', sig.why);
  assert.equal(sig.stamp.at, STAMPED);
  assert.equal(sig.stamp.genTime, '20261123010000Z');
  assert.deepEqual(sig.stamp.cert, tsa.der);
  assert.equal(judged(pdf), null);
  assert.equal(verifyText(A, trust).verdict, 'genuine');
  assert.equal(trust.tsaCerts.length, 1);
  assert.equal(trust.tsaCerts[0].name, 'C=ID,OU=terbit time-stamping 3506,O=TEST,CN=Time-stamp authority TEST tsa');
  assert.equal(stampWords(sig, trust.tsaCerts), "; time-stamped 2026-11-23T01:00:00Z by C=ID,OU=terbit time-stamping 3506,O=TEST,CN=Time-stamp authority TEST tsa (named in district 3506's trust list): it existed by then");
  // Without a stamp (PAdES B-B): genuine, its time the signer's claim.
  const plain = checkFileSignature(F.makePdf([A], { sign: { cert: pdfCert } }));
  assert.equal(plain.stamp, null);
  assert.equal(stampWords(plain, trust.tsaCerts), "; not time-stamped (PAdES B-B): its time is the signer's claim");
});

test('a changed token is refused in terbit words: TSTInfo, signature, imprint, certificate', () => {
  const at = (token, needle) => {
    const n = new TextEncoder().encode(needle);
    for (let i = 0; i < token.length; i++) if (n.every((x, j) => token[i + j] === x)) return i;
    throw new Error('not found');
  };
  const flip = (i) => (t) => {
    const c = t.slice();
    c[typeof i === 'function' ? i(c) : i] ^= 1;
    return c;
  };
  const why = (pdf) => judged(pdf);
  // genTime's last digit: the TSTInfo is not what the authority signed.
  const changedTime = why(stamped({ change: flip((t) => at(t, '20261123010000Z') + 13) }));
  assert.equal(changedTime, "the PDF file's signature: the time-stamp's TSTInfo was changed after the authority signed it");
  assert.equal(reasonCode(changedTime), 'stamp-altered');
  // The authority's signature value's last byte.
  const changedSig = why(stamped({ change: flip((t) => t.length - 1) }));
  assert.equal(changedSig, "the PDF file's signature: the time-stamp's signature does not hold under its authority's certificate");
  assert.equal(reasonCode(changedSig), 'stamp-signature-invalid');
  // A token for another signature value.
  const other = why(stamped({ unsigned: () => F.stampAttributes(F.stampToken(tsa, Uint8Array.of(1, 2, 3), STAMPED)) }));
  assert.equal(other, "the PDF file's signature: the time-stamp does not stamp this signature (its message imprint is another's)");
  assert.equal(reasonCode(other), 'stamp-not-this-signature');
  // The certificate's last byte (its signature): not the one ESS names.
  const cert = why(stamped({ change: flip((t) => findCert(t) + tsa.der.length - 1) }));
  assert.equal(cert, "the PDF file's signature: the time-stamp names another certificate than the authority's it carries (ESS signing certificate)");
  // Cut short: malformed.
  assert.equal(reasonCode(why(stamped({ change: (t) => t.slice(0, t.length - 1) }))), 'cms-malformed');
  // TSTInfo fields out of order.
  assert.equal(why(stamped({ tst: { extra: [F.der(0x02, Uint8Array.of(5)), F.der(0x01, Uint8Array.of(0xff))] } })), "the PDF file's signature: the signature's time-stamp is malformed: TSTInfo has fields out of order or unknown");
  // An accuracy of half a second: the latest time it allows, rounded up.
  assert.equal(checkFileSignature(stamped({ tst: { extra: [F.der(0x30, F.der(0x80, Uint8Array.of(0x05)))] } })).stamp.at, STAMPED + 1);
});

/** Where the authority's certificate starts in a token. */
function findCert(t) {
  const d = tsa.der;
  for (let i = 0; i < t.length; i++) if (d.every((x, j) => t[i + j] === x)) return i;
  throw new Error('no certificate');
}

test('every changed byte of a token is refused, and no hostile byte throws', () => {
  const sig = Uint8Array.of(...Array(70).fill(9));
  const token = F.stampToken(tsa, sig, STAMPED);
  assert.equal(readStamp(token, sig).at, STAMPED);
  for (let i = 0; i < token.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const t = token.slice();
      t[i] ^= bit;
      assert.throws(() => readStamp(t, sig), (e) => typeof e.message === 'string' && e.message.length > 0, `byte ${i} xor ${bit}`);
    }
  }
  for (const cut of [0, 1, token.length >> 1, token.length - 1]) assert.throws(() => readStamp(token.subarray(0, cut), sig));
});

test('a token terbit made (pdf/stamp.rs) reads back as terbit reads it', () => {
  const token = fromHex('308204b206092a864886f70d010702a08204a33082049f020103310d300b0609608648016503040201308180060b2a864886f70d0109100104a071046f306d02010106146981de9d8e94c7c5f2bcf59a9f9fa5b8f8b99411302f300b060960864801650304020104201b014cb874c707dc2ca0fc73daffc73b52c9825f529b9c14c4d6740358557f8202105d5a381af1c4b9b05537baa95685dcea180f32303236313230373233353935395aa08202433082023f308201e4a00302010202106b9f114bc838cedd47daf0dae82d608d300a06082a8648ce3d040302304c310b300906035504061302494431193017060355040a0c104b616275706174656e204b65646972693122302006035504030c1974657262697420646973747269637420726f6f742033353036301e170d3236313230363030303030305a170d3336313230363035333135395a307c310b300906035504061302494431223020060355040b0c197465726269742074696d652d7374616d70696e67203335303631193017060355040a0c104b616275706174656e204b6564697269312e302c06035504030c2554696d652d7374616d7020617574686f72697479204b616275706174656e204b65646972693059301306072a8648ce3d020106082a8648ce3d0301070342000479277436dd42c37a82421403e8da9d0621e4f3cd4b350b135308c82844009a18123de38b9c8eff897b6250b9182dbbddce588a0e85555f6e37b6d97af4be23f6a3783076301d0603551d0e04160414fc507ad9fdd5995de102b182fa86505b1b02503d301f0603551d23041830168014d18ff8fc6cceacf2beeed2b29d6890ff3d09308a300c0603551d130101ff04023000300e0603551d0f0101ff04040302078030160603551d250101ff040c300a06082b06010505070308300a06082a8648ce3d0403020349003046022100fc51e597a08b2103de86d560c68cf36b11f23c3be3dffcf474d878b5b8196ccd022100aad1f8d47548f5c3bc0ba83f5e400e230d9ce71cbb659d98a657286bda7c45b2318201bf308201bb0201013060304c310b300906035504061302494431193017060355040a0c104b616275706174656e204b65646972693122302006035504030c1974657262697420646973747269637420726f6f74203335303602106b9f114bc838cedd47daf0dae82d608d300b0609608648016503040201a081f1301a06092a864886f70d010903310d060b2a864886f70d0109100104302f06092a864886f70d010904312204203e87a26895822f630e6e551f62d8b4d5f83bfb2b0c21d3a845e19abf49abb8cb3081a1060b2a864886f70d010910022f31819130818e30818b3081880420e7ce5adc1ea45371449610ee7ecdf5760a0ec5d4535daab2677e1a8eda7598ee30643050a44e304c310b300906035504061302494431193017060355040a0c104b616275706174656e204b65646972693122302006035504030c1974657262697420646973747269637420726f6f74203335303602106b9f114bc838cedd47daf0dae82d608d300a06082a8648ce3d04030204473045022100b7c9eac016f891d63dbad3946a6641aa0014845a5863482840c046152209c33002202e392db501ca676ae90d57dae64dfa4c6d6ec50f24f3cccae345e7e95551cca4');
  const sig = fromHex('304402204b21ecb3567da623789d5525c23e6ea82e785d1b22b326a762ee6ea918cd35e602201df5d22bf3034a37c41116f6c7104f9966aa3af265409857f316e2b719ceb19c');
  const s = readStamp(token, sig);
  assert.equal(s.genTime, '20261207235959Z');
  assert.equal(s.at, 1796687999);
  assert.ok(forTimeStamping(s.cert));
  assert.equal(subjectShown(s.cert), 'CN=Time-stamp authority Kabupaten Kediri,O=Kabupaten Kediri,OU=terbit time-stamping 3506,C=ID');
  assert.throws(() => readStamp(token, sig.slice(1)), /its message imprint is another's/);
  for (let i = 0; i < token.length; i++) {
    const t = token.slice();
    t[i] ^= 0x01;
    assert.throws(() => readStamp(t, sig), undefined, `byte ${i}`);
  }
});

test("a stamp from an authority no list names, another district's, or not a time-stamp authority's, is refused", () => {
  const stranger = F.tsaCertificate(F.districtRoot('3506', { label: 'stranger' }), { label: 'stranger' });
  const unknown = judged(stamped({ by: stranger }));
  assert.equal(unknown, "the PDF file's signature carries a time-stamp from an authority no district's trust list names: the file was altered, or the trust data is older than the district's time-stamps (get its current list)");
  assert.equal(reasonCode(unknown), 'stamp-unknown-authority');
  // The page's trust data without any authority (a list from before B-T).
  const older = loadBundle(F.bundle({ root, list: F.trustList(root, '3506', [key], { pdfCerts: [pdfCert] }) }), F.NOV_23);
  assert.equal(reasonCode(judged(stamped(), older)), 'stamp-unknown-authority');
  assert.equal(stampWords(checkFileSignature(stamped()), older.tsaCerts), '');
  // Another district's authority.
  const otherRoot = F.districtRoot('3527');
  const otherTsa = F.tsaCertificate(otherRoot);
  const both = loadBundle(
    F.bundle({ root, list }, { root: otherRoot, list: F.trustList(otherRoot, '3527', [F.dk1Key('3527 stamp', '3527')], { tsaCerts: [otherTsa] }) }),
    F.NOV_23,
  );
  const wrong = judged(stamped({ by: otherTsa }), both);
  assert.equal(wrong, "the PDF file's signature is time-stamped by district 3527's authority, but the document is issuer 3506's");
  assert.equal(reasonCode(wrong), 'stamp-wrong-district');
  // Extended key usage not critical, or none.
  for (const eku of ['noncritical', 'none']) {
    const c = F.tsaCertificate(root, { eku, label: eku });
    assert.equal(forTimeStamping(c.der), false);
    const t = loadBundle(F.bundle({ root, list: F.trustList(root, '3506', [key], { pdfCerts: [pdfCert], tsaCerts: [c] }) }), F.NOV_23);
    const not = judged(stamped({ by: c }), t);
    assert.equal(reasonCode(not), 'stamp-not-tsa', not);
  }
});

test("the stamp's time: within its authority's certificate, not before the claimed issue time, before the signing certificate ends", () => {
  const short = F.tsaCertificate(root, { label: 'short', notAfter: F.NOV_23 + 60 });
  const t = loadBundle(F.bundle({ root, list: F.trustList(root, '3506', [key], { pdfCerts: [pdfCert], tsaCerts: [short] }) }), F.NOV_23);
  assert.equal(judged(stamped({ by: short }), t), "the PDF file's time-stamp (2026-11-23T01:00:00Z) falls outside its authority's certificate");
  // A day's leeway (the night runs on the issue date where the office is).
  assert.equal(judged(stamped({ at: F.NOV_23 - 86400 })), null);
  const early = judged(stamped({ at: F.NOV_23 - 86401 }));
  assert.equal(early, "the PDF file's time-stamp (2026-11-21T23:59:59Z) is earlier than the signature's claimed time: a stamp is never made before what it stamps");
  assert.equal(reasonCode(early), 'stamp-before-signature');
  // An authority certified past the signing certificate's end.
  const long = F.tsaCertificate(root, { label: 'long', notAfter: 2398377600 + 86400 });
  const withLong = loadBundle(F.bundle({ root, list: F.trustList(root, '3506', [key], { pdfCerts: [pdfCert], tsaCerts: [long] }) }), F.NOV_23);
  const late = judged(stamped({ by: long, at: 2398377600 }), withLong);
  assert.equal(late, "the PDF file's signature was time-stamped 2046-01-01T00:00:00Z, after its signing certificate ended (2046-01-01T00:00:00Z)");
  assert.equal(reasonCode(late), 'stamped-after-certificate');
});

test('unsigned attributes other than one signature time-stamp are refused', () => {
  const token = (sig) => F.stampToken(tsa, sig, STAMPED);
  const words = "the PDF file's signature: the signature's CMS is malformed: unsigned attributes other than one signature time-stamp";
  // Two tokens in one attribute, another attribute type, two attributes, none.
  const attr = (o, ...values) => F.der(0x30, F.der(0x06, fromHex(o)), F.der(0x31, ...values));
  assert.equal(judged(stamped({ unsigned: (s) => F.der(0xa1, attr('2a864886f70d010910020e', token(s), token(s))) })), words);
  assert.equal(judged(stamped({ unsigned: (s) => F.der(0xa1, attr('2a864886f70d010910020f', token(s))) })), words);
  assert.equal(judged(stamped({ unsigned: (s) => F.der(0xa1, attr('2a864886f70d010910020e', token(s)), attr('2a864886f70d010910020f', token(s))) })), words);
  assert.equal(judged(stamped({ unsigned: () => F.der(0xa1) })), words);
  // Not attributes at all.
  assert.equal(judged(stamped({ unsigned: () => F.der(0xa1, F.der(0x04, Uint8Array.of(1))) })), "the PDF file's signature: the signature's CMS is malformed: signer info fields");
});

test("the trust list's time-stamp authorities are signed: edited, the list is refused", () => {
  const edited = { ...list, tsa_certificates: [] };
  assert.throws(() => loadBundle(F.bundle({ root, list: edited }), F.NOV_23), /readable fields differ/);
  const dropped = { ...list };
  delete dropped.tsa_certificates;
  assert.throws(() => loadBundle(F.bundle({ root, list: dropped }), F.NOV_23), /readable fields differ/);
  const added = { ...F.trustList(root, '3506', [key], { pdfCerts: [pdfCert] }), tsa_certificates: list.tsa_certificates };
  assert.throws(() => loadBundle(F.bundle({ root, list: added }), F.NOV_23), /readable fields differ/);
  assert.throws(() => loadBundle(F.bundle({ root, list: { ...list, tsa_certificates: ['%%'] } }), F.NOV_23), /field `tsa_certificates` is malformed/);
  // An empty list is the same as none.
  const none = F.trustList(root, '3506', [key], { pdfCerts: [pdfCert] });
  assert.equal(loadBundle(F.bundle({ root, list: { ...none, tsa_certificates: [] } }), F.NOV_23).tsaCerts.length, 0);
});

test('genTime is read as stamp.rs reads it (a fraction rounded up)', () => {
  assert.equal(generalized('20261123235959Z'), 1795478399);
  assert.equal(generalized('20261123235959.5Z'), 1795478400);
  for (const bad of ['20261123235959', '20261123235959.50Z', '20261123235959.Z', '2026112323595Z', '20261323235959Z', '20260230000000Z', '20261123240000Z']) assert.equal(generalized(bad), null, bad);
  assert.equal(generalized('20240229000000Z'), 1709164800);
});
