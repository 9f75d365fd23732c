import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readTable } from './cells.ts';
import { readRegisterFile } from './index.ts';
import { checkWorkbookBounds } from './zip-guard.ts';

/** A stored zip (APPNOTE 4.3) of deflated parts; `declared` overrides a part's directory size (a lying archive). */
function zip(
  parts: { name: string; deflated: Buffer; size: number; crc: number; declared?: number }[],
): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.name);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(8, 8);
    lh.writeUInt32LE(p.crc, 14);
    lh.writeUInt32LE(p.deflated.length, 18);
    lh.writeUInt32LE(p.declared ?? p.size, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(8, 10);
    ch.writeUInt32LE(p.crc, 16);
    ch.writeUInt32LE(p.deflated.length, 20);
    ch.writeUInt32LE(p.declared ?? p.size, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, p.deflated);
    central.push(ch, name);
    offset += 30 + name.length + p.deflated.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/**
 * A worksheet part of `mb` megabytes: 2 MB of random hex (so the archive is over 1 MB compressed) and then
 * whitespace, deflated one megabyte at a time with full flushes so the segments can be repeated without
 * ever holding the decompressed sheet in memory.
 */
function bombSheet(mb: number): { deflated: Buffer; size: number; crc: number } {
  const head = Buffer.from(
    `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>${randomBytes(1024 * 1024).toString('hex')}`,
  );
  const pad = Buffer.alloc(1024 * 1024, 0x20);
  const full = { finishFlush: constants.Z_FULL_FLUSH };
  const padDeflated = deflateRawSync(pad, full);
  const segments = [deflateRawSync(head, full)];
  let crc = crc32(head);
  for (let i = 0; i < mb; i++) {
    segments.push(padDeflated);
    crc = crc32(pad, crc);
  }
  const tail = Buffer.from('</t></is></c></row></sheetData></worksheet>');
  segments.push(deflateRawSync(tail));
  crc = crc32(tail, crc);
  return { deflated: Buffer.concat(segments), size: head.length + mb * pad.length + tail.length, crc };
}

async function tmp(name: string, data: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zip-guard-'));
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
}

describe('XLSX workbooks are bounded before exceljs opens them', () => {
  it('refuses a zip bomb (over 1 MB compressed, 450 MB decompressed) naming the file, in bounded memory', async () => {
    const sheet = bombSheet(450);
    const bomb = zip([{ name: 'xl/worksheets/sheet1.xml', ...sheet }]);
    expect(bomb.length).toBeGreaterThan(1024 * 1024);
    expect(sheet.size).toBeGreaterThan(450 * 1024 * 1024);
    const path = await tmp('assets.xlsx', bomb);
    const before = process.resourceUsage().maxRSS;
    const r = await readRegisterFile(path, 'assets', { file: 'register/assets.xlsx' });
    const grewKb = process.resourceUsage().maxRSS - before;
    expect(r.records).toEqual([]);
    expect(r.problems).toEqual([
      {
        file: 'register/assets.xlsx',
        row: 1,
        message: expect.stringMatching(
          /the workbook decompresses to 452\.0 MB, over the 256\.0 MB limit: refused/,
        ),
      },
    ]);
    // exceljs took 2.3 GB on this file; the check reads only the central directory.
    expect(grewKb).toBeLessThan(100 * 1024);
  });

  it('refuses an archive whose directory understates a part, by inflating it as a counted stream', async () => {
    const sheet = bombSheet(300);
    const liar = zip([{ name: 'xl/worksheets/sheet1.xml', ...sheet, declared: 4096 }]);
    const path = await tmp('licences.xlsx', liar);
    const before = process.resourceUsage().maxRSS;
    await expect(readTable(path, { file: 'licences.xlsx' })).rejects.toThrow(
      /^licences\.xlsx: part xl\/worksheets\/sheet1\.xml decompresses past the 256\.0 MB limit \(its directory entry said 0\.0 MB\)/,
    );
    expect(process.resourceUsage().maxRSS - before).toBeLessThan(100 * 1024);
  });

  it('refuses a workbook with more rows than the limit, and reads one within it', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Assets');
    ws.addRow(['Asset Tag', 'Serial', 'Model', 'Kind', 'Status']);
    for (let i = 1; i <= 50; i++) ws.addRow([`A-${i}`, `S${i}`, 'M', 'laptop', 'in-use']);
    const path = await tmp('assets.xlsx', Buffer.from(await wb.xlsx.writeBuffer()));
    const limits = { fileBytes: 1024 * 1024, decompressedBytes: 10 * 1024 * 1024, rows: 50 };
    await expect(readTable(path, { limits })).rejects.toThrow(
      /^assets\.xlsx: its worksheets hold more than 50 rows \(at part xl\/worksheets\/sheet1\.xml\)/,
    );
    const ok = await readTable(path, { limits: { ...limits, rows: 51 } });
    expect(ok.rows).toHaveLength(50);
  });

  it('finds every merged range of a sheet, across inflate chunks, and the reader fills each in', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Assets');
    ws.addRow(['Asset Tag', 'Room']);
    // 4,000 two-row merges: about 100 KB of <mergeCell> tags, more than one 64 KB chunk.
    for (let i = 0; i < 4000; i++) {
      ws.getCell(`A${2 + 2 * i}`).value = `A-${2 * i}`;
      ws.getCell(`A${3 + 2 * i}`).value = `A-${2 * i + 1}`;
      ws.getCell(`B${2 + 2 * i}`).value = `Room ${i}`;
      ws.mergeCells(`B${2 + 2 * i}:B${3 + 2 * i}`);
    }
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    const limits = { decompressedBytes: 1e8, rows: 10_000 };
    const parts = await checkWorkbookBounds(bytes, 'assets.xlsx', limits);
    const merges = parts.find((p) => p.name === 'xl/worksheets/sheet1.xml')?.merges ?? [];
    expect(merges).toHaveLength(4000);
    expect(merges[3999]).toBe('B8000:B8001');
    const path = await tmp('merged.xlsx', bytes);
    const t = await readTable(path, { limits: { ...limits, fileBytes: 1e7 } });
    expect(t.rows.at(-1)?.cells).toEqual(['A-7999', 'Room 3999']);
    expect(t.rows).toHaveLength(8000);
  });

  it('refuses register files over the size limit before reading them, CSV and XLSX', async () => {
    const csv = await tmp('assets.csv', Buffer.from('Asset Tag,Serial\n' + 'A,B\n'.repeat(1000)));
    const limits = { fileBytes: 1000, decompressedBytes: 1e9, rows: 1e9 };
    await expect(readTable(csv, { limits })).rejects.toThrow(
      /^assets\.csv: is 4017 bytes, over the 1000-byte limit: refused without reading it$/,
    );
    const xlsx = await tmp('assets.xlsx', Buffer.alloc(5000));
    await expect(readTable(xlsx, { limits })).rejects.toThrow(
      /^assets\.xlsx: is 5000 bytes, over the 1000-byte register limit: refused without reading it$/,
    );
  });
});
