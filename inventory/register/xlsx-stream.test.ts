/**
 * The streaming XLSX reader against exceljs's whole-workbook (DOM) reader, which is not ours: for each
 * workbook, every row's text, the sheet chosen and its name must be what the DOM reader gives. The
 * workbooks are rewritten with JSZip (an independent zip writer) into the part order Excel writes
 * (worksheets before the shared strings and styles, the workbook part last), which the streaming
 * reader would otherwise read without names, formats or strings.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { readTable, readXlsxWithDom } from './cells.ts';
import { readRegisterFile } from './index.ts';
import { parseTable } from './parse.ts';

/**
 * The archive's parts rewritten in the order `first` ranks them, deflated; `edit` may change a part's
 * text or (undefined) leave it out.
 */
async function reorder(
  buf: Buffer,
  first: (name: string) => number,
  edit?: (name: string, text: string, strings: string[]) => string | undefined,
): Promise<Buffer> {
  const src = await JSZip.loadAsync(buf);
  const names = Object.keys(src.files).filter((n) => !src.files[n]?.dir);
  names.sort((a, b) => first(a) - first(b));
  const sst = (await src.file('xl/sharedStrings.xml')?.async('string')) ?? '';
  const strings = [...sst.matchAll(/<t[^>]*>([^<]*)<\/t>/g)].map((m) => m[1] ?? '');
  const out = new JSZip();
  for (const n of names) {
    const text = (await src.file(n)?.async('string')) ?? '';
    const edited = edit === undefined ? text : edit(n, text, strings);
    if (edited !== undefined) out.file(n, edited);
  }
  return out.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** Excel's order: content types, rels, worksheets, theme, styles, shared strings, workbook last. */
const excelOrder = (name: string): number =>
  name.startsWith('xl/worksheets/')
    ? 2
    : name === 'xl/styles.xml'
      ? 4
      : name === 'xl/sharedStrings.xml'
        ? 5
        : name === 'xl/workbook.xml'
          ? 9
          : name.startsWith('docProps/')
            ? 8
            : 1;

async function write(name: string, bytes: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'xlsx-stream-'));
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** A technician's register: a notes sheet stored first but second in tab order, merges, formats. */
async function register(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const notes = wb.addWorksheet('Notes');
  notes.getCell('A1').value = 'Read me first';
  const ws = wb.addWorksheet('Assets');
  (notes as unknown as { orderNo: number }).orderNo = 1;
  (ws as unknown as { orderNo: number }).orderNo = 0;
  ws.getCell('A1').value = 'ICT Asset Register';
  ws.mergeCells('A1:G1');
  ws.getRow(2).values = ['Asset Tag', 'Serial', 'Bought', 'Warranty', 'Room', 'Model', 'Cost'];
  ws.getRow(3).values = ['T-1', 4521, new Date(Date.UTC(2024, 8, 1)), null, 'Lab 1', 'Latitude', 499.5];
  ws.getCell('B3').numFmt = '00000000';
  ws.getCell('C3').numFmt = 'dd/mm/yyyy';
  ws.getCell('D3').value = { formula: 'C3+1095', result: 46631 } as ExcelJS.CellFormulaValue;
  ws.getCell('D3').numFmt = 'dd/mm/yyyy';
  ws.getRow(4).values = ['T-2', 4522, null, null, null, null, { formula: 'G3*2', result: 999 }];
  ws.getCell('F4').value = { richText: [{ text: 'Lati', font: { bold: true } }, { text: 'tude 2' }] };
  ws.getCell('C4').value = { formula: 'UPPER("spare")', result: 'SPARE' } as ExcelJS.CellFormulaValue;
  ws.getRow(5).values = ['T-3', 'SN-0003'];
  ws.mergeCells('E3:E5');
  ws.getCell('H5').value = true;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function both(path: string, sheet?: string) {
  const streamed = await readTable(path, sheet === undefined ? {} : { sheet });
  const { readFile } = await import('node:fs/promises');
  const dom = await readXlsxWithDom(await readFile(path), 'x.xlsx', sheet);
  return { streamed, dom };
}

describe('the streaming XLSX reader', () => {
  it("reads a register in Excel's part order as the DOM reader does: tab order, merges, formats, formulas", async () => {
    const path = await write('register.xlsx', await reorder(await register(), excelOrder));
    const { streamed, dom } = await both(path);
    expect(streamed.sheet).toBe('Assets');
    expect(dom.sheet).toBe('Assets');
    expect(streamed.lines?.map((l) => [l.row, l.cells, l.bareNumbers ?? []])).toEqual(
      dom.rows.map((r) => [r.row, r.cells, r.bareNumbers]),
    );
    expect(streamed.header).toEqual(['ICT Asset Register', ...Array<string>(6).fill('ICT Asset Register')]);
    expect(streamed.lines?.[2]?.cells).toEqual([
      'T-1',
      '00004521',
      '2024-09-01',
      '2027-09-01',
      'Lab 1',
      'Latitude',
      '499.5',
      '',
    ]);
    expect(streamed.lines?.[3]?.cells).toEqual([
      'T-2',
      '4522',
      'SPARE',
      '',
      'Lab 1',
      'Latitude 2',
      '999',
      '',
    ]);
    expect(streamed.lines?.[3]?.bareNumbers).toEqual([1]);
    expect(streamed.lines?.[4]?.cells).toEqual(['T-3', 'SN-0003', '', '', 'Lab 1', '', '', 'true']);
  });

  it('reads a named sheet, and names the sheets of a workbook that has not the one asked for', async () => {
    const path = await write('register.xlsx', await reorder(await register(), excelOrder));
    const { streamed, dom } = await both(path, 'Notes');
    expect(streamed.lines?.map((l) => l.cells)).toEqual([['Read me first']]);
    expect(dom.rows.map((r) => r.cells)).toEqual([['Read me first']]);
    await expect(readTable(path, { sheet: 'Nope' })).rejects.toThrow(
      'register.xlsx: no worksheet "Nope" (it has Assets, Notes)',
    );
  });

  it('reads dates of a 1904 workbook, and inline strings with no shared-strings part', async () => {
    const wb = new ExcelJS.Workbook();
    wb.properties.date1904 = true;
    const ws = wb.addWorksheet('Assets');
    ws.getRow(1).values = ['Asset Tag', 'Bought'];
    ws.getRow(2).values = ['T-1', new Date(Date.UTC(2024, 8, 1))];
    ws.getCell('B2').numFmt = 'yyyy-mm-dd';
    // Every string cell made an inline string, and the shared-strings part (and its relationship) gone.
    const inline = await reorder(
      Buffer.from(await wb.xlsx.writeBuffer()),
      excelOrder,
      (name, text, strings) =>
        name === 'xl/sharedStrings.xml'
          ? undefined
          : name === 'xl/_rels/workbook.xml.rels'
            ? text.replace(/<Relationship [^>]*sharedStrings[^>]*\/>/, '')
            : name === 'xl/worksheets/sheet1.xml'
              ? text.replace(
                  /<c r="([A-Z]+\d+)"([^>]*?) t="s"><v>(\d+)<\/v><\/c>/g,
                  (_m, ref: string, attrs: string, i: string) =>
                    `<c r="${ref}"${attrs} t="inlineStr"><is><t>${strings[Number(i)]}</t></is></c>`,
                )
              : text,
    );
    const path = await write('dates.xlsx', inline);
    const { streamed, dom } = await both(path);
    expect(streamed.lines?.map((l) => l.cells)).toEqual(dom.rows.map((r) => r.cells));
    expect(streamed.rows.map((r) => r.cells)).toEqual([['T-1', '2024-09-01']]);
  });

  it('falls back to the DOM reader for a formula whose cached result is an error, keeping its text', async () => {
    const path = await write(
      'errors.xlsx',
      await reorder(await register(), excelOrder, (name, text) =>
        name === 'xl/worksheets/sheet2.xml'
          ? text.replace(
              /<c r="G4"([^>]*)><f>G3\*2<\/f><v>999<\/v><\/c>/,
              '<c r="G4"$1 t="e"><f>G3*2</f><v>#N/A</v></c>',
            )
          : text,
      ),
    );
    const { streamed } = await both(path);
    expect(streamed.lines?.[3]?.cells[6]).toBe('#N/A');
    // Read row by row into the register's parser, the rows handed on before the error formula (row 4)
    // are dropped with their reader and the DOM reader's rows parsed afresh: nothing counted twice.
    const parsed = await readRegisterFile(path, 'assets', { extraColumns: 'keep' });
    expect(parsed).toEqual(parseTable(streamed, 'assets', { extraColumns: 'keep' }));
  });

  it('rows stored out of order (which Excel never writes) are read by the DOM reader, in row order', async () => {
    const path = await write(
      'order.xlsx',
      await reorder(await register(), excelOrder, (name, text) => {
        if (name !== 'xl/worksheets/sheet2.xml') return text;
        const row = (n: number) => new RegExp(`<row r="${n}"[^>]*>.*?</row>`).exec(text)?.[0] ?? '';
        const [r4, r5] = [row(4), row(5)];
        return text.replace(r4, '@@4@@').replace(r5, r4).replace('@@4@@', r5);
      }),
    );
    const { streamed, dom } = await both(path);
    // The DOM reader puts them in row order; the stream, which would hand them on as stored, gives way.
    expect(dom.rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5]);
    expect(streamed.lines?.map((l) => l.row)).toEqual([1, 2, 3, 4, 5]);
    const parsed = await readRegisterFile(path, 'assets', { extraColumns: 'keep' });
    expect(parsed).toEqual(parseTable(streamed, 'assets', { extraColumns: 'keep' }));
  });
});
