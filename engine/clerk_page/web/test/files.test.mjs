// What a picked file is: by its bytes, never its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileKind, textLines, namedLikePicture } from '../src/files.js';

const b = (s) => new Uint8Array(Buffer.from(s, 'latin1'));

test('pictures, PDFs and text by their bytes', () => {
  assert.equal(fileKind(b('%PDF-1.7\n...')), 'pdf');
  assert.equal(fileKind(b('\x89PNG\r\n\x1a\n\x00\x00garbage')), 'png');
  assert.equal(fileKind(b('\xff\xd8\xff\xe0 this is not a picture')), 'jpeg');
  assert.equal(fileKind(b('GIF89a...')), 'image');
  assert.equal(fileKind(b('DK1:ABC\nDK1:DEF\n')), 'text');
  assert.equal(fileKind(new Uint8Array(Buffer.from('\ufeffDK1:ABC\r\n\r\nDK1:DEF', 'utf8'))), 'text');
  assert.equal(fileKind(b('\x00\x01\x02 binary')), 'unknown');
  assert.equal(fileKind(b('DK1:\xff\xfe not UTF-8')), 'unknown');
});

test('text lines: trimmed, blank lines skipped; not text is null', () => {
  assert.deepEqual(textLines(new Uint8Array(Buffer.from('\ufeff DK1:A \r\n\nDK1:B\rDK1:C', 'utf8'))), ['DK1:A', 'DK1:B', 'DK1:C']);
  assert.equal(textLines(b('DK1:A\x1b[2J')), null);
  assert.deepEqual(textLines(b('')), []);
});

test('a .png holding text is text (the page says it is no picture)', () => {
  assert.equal(namedLikePicture('scan.PNG'), true);
  assert.equal(namedLikePicture('list.txt'), false);
  assert.equal(fileKind(b('DK1:ABC')), 'text');
});
