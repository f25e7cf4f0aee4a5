// GENERATED from engine/verify/signature/reasons.rs — do not edit.
// Write it again with: TERBIT_WRITE_GENERATED=1 cargo test --lib clerk_page::tests::the_generated_pdf_reasons_are_current

/** (code, a fragment of the words that says it), tried in order. */
export const REASONS = [
  ["archive-altered", "is not an archive time-stamp as terbit writes it"],
  ["archive-too-many", "revisions were appended"],
  ["archive-stamp-invalid", "archive time-stamp (revision"],
  ["stamp-not-this-signature", "the time-stamp does not stamp this signature"],
  ["stamp-altered", "the time-stamp's TSTInfo was changed"],
  ["stamp-altered", "the time-stamp names another certificate"],
  ["stamp-signature-invalid", "the time-stamp's signature does not hold"],
  ["stamp-algorithm", "the time-stamp is signed with an algorithm"],
  ["stamp-malformed", "the signature's time-stamp is malformed"],
  ["stamp-unknown-authority", "a time-stamp from an authority no district's trust list names"],
  ["stamp-wrong-district", "is time-stamped by district"],
  ["stamp-not-tsa", "is not a time-stamp authority's"],
  ["stamp-forged-authority", "but the root did not sign it"],
  ["stamp-outside-authority", "falls outside its authority's certificate"],
  ["stamp-before-signature", "is earlier than the signature's claimed time"],
  ["stamped-after-certificate", "after its signing certificate ended"],
  ["stamped-after-revocation", "when its key was already revoked"],
  ["revoked-not-stamped", "nothing proves this PDF file was signed before then"],
  ["revoked-district-stamp", "nothing independent proves this PDF file was signed before then"],
  ["not-signed", "the PDF file is not signed"],
  ["field-without-range", "a signature field without a signed byte range"],
  ["second-revision", "appears more than once: a second signature or revision was added"],
  ["incremental-update", "bytes were added after the signed range"],
  ["cut", "runs past the end of the file"],
  ["range-not-whole", "does not start at the file's start and end at the signature's value"],
  ["range-gap", "leaves out more than the signature's value"],
  ["range-malformed", "/ByteRange is "],
  ["no-contents", "the signature has no /Contents"],
  ["contents-not-hex", "/Contents is not a hex string"],
  ["no-time", "the signature has no claimed time"],
  ["digest-mismatch", "its digest is not the signed one"],
  ["not-ecdsa-sha256", "the signature is not ECDSA with SHA-256"],
  ["key-not-p256", "the signer's key is not ECDSA P-256"],
  ["not-low-s", "not in the low-s form"],
  ["signature-invalid", "the signature does not verify under the signer's certificate"],
  ["chain-altered", "the certificates the"],
  ["chain-altered", "signing-certificate-v2"],
  ["chain-altered", "a certificate in it was changed"],
  ["cms-malformed", "the signature's CMS is malformed"],
  ["unknown-certificate", "signed by a certificate the trust list does not hold"],
  ["wrong-district", "certificate, but the document is issuer"],
  ["certificate-not-valid", "signing certificate was not valid when the document was issued"],
];

/** The code of a reason given in words; 'unlisted' for words the table does not know. */
export function reasonCode(words) {
  const r = REASONS.find(([, fragment]) => String(words).includes(fragment));
  return r ? r[0] : 'unlisted';
}
