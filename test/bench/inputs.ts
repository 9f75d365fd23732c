/**
 * `npm run bench -- inputs`: large school inputs read in bounded memory (issue #22, "Bounded inputs").
 * Generates, in a temporary school folder beside copies of the demo's declaration:
 *   - a 100,000-row roster (the demo's MIS columns),
 *   - a 100,000-row asset register, as CSV and as an XLSX workbook,
 *   - a declaration of ~4,000 networks (non-overlapping /24s, unique VLANs), about 0.5 MB,
 * and reads each in a fresh process (test/bench/inputs-rss.ts) through the functions the audit calls
 * (`loadSchool`, `auditRosterFacts`, `loadRegister`), printing its size, time, records and peak RSS
 * (`process.resourceUsage().maxRSS`), with the RSS of the same process before reading.
 * Figures, not a test: nothing here fails on a number.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { TESTBED_DIR } from '../../inventory/confine.ts';

const run = promisify(execFile);
const ROWS = Number(process.env.BENCH_INPUT_ROWS ?? 100_000);
const DEMO = join(import.meta.dirname, '../../inventory/schools/demo');
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;

interface Measured {
  kind: string;
  records: number;
  ms: number;
  rssBefore: number;
  peakRss: number;
}

const GIVEN = ['Ada', 'Bryn', 'Cai', 'Dilys', 'Eira', 'Ffion', 'Gethin', 'Heledd', 'Idris', 'Jac'];
const FAMILY = ['Abbot', 'Bevan', 'Cole', 'Dawe', 'Ellis', 'Frost', 'Gale', 'Hale', 'Ives', 'Jory'];

/** Writes `count` lines made by `line(i)` through a stream, so the generator itself stays small. */
async function writeLines(file: string, header: string, count: number, line: (i: number) => string) {
  const out = createWriteStream(file);
  out.write(`${header}\r\n`);
  for (let i = 0; i < count; i++) if (!out.write(`${line(i)}\r\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

const assetRow = (i: number): string[] => {
  const tag = `BENCH-${String(i).padStart(6, '0')}`;
  const mac = [0x02, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255, 1]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':')
    .toUpperCase();
  return [tag, `SN${i}X${(i * 7919) % 100000}`, 'Latitude 3440', 'laptop', mac, `lt-${i}`, '', 'Trolley 3',
    '01/09/2024', '31/08/2027', '31/12/2030', 'in-use', '', '', '', '', '']; // prettier-ignore
};

async function school(root: string, id: string, edit: (text: string) => string): Promise<string> {
  const dir = join(root, id);
  await mkdir(dir, { recursive: true });
  for (const f of ['software.csv', 'licences.csv', 'installs.csv', 'assets.csv', 'roster.csv', 'policy.yaml'])
    await writeFile(join(dir, f), await readFile(join(DEMO, f)));
  // The demo's testbed references, made absolute (the secrets directory is allow-listed).
  const text = (await readFile(join(DEMO, 'school.yaml'), 'utf8')).replaceAll(
    '../../../.schoolnet/testbed/',
    `${TESTBED_DIR}/`,
  );
  await writeFile(join(dir, 'school.yaml'), edit(text.replace(/^(\s*id:) demo$/m, `$1 ${id}`)));
  return dir;
}

async function measure(kind: string, file: string): Promise<Measured> {
  const { stdout } = await run(process.execPath, [join(import.meta.dirname, 'inputs-rss.ts'), kind, file], {
    maxBuffer: 1024 * 1024,
    env: { ...process.env, SCHOOLNET_SECRETS_DIR: TESTBED_DIR },
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Measured;
}

export async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'schoolnet-bench-inputs-'));
  try {
    // A baseline: the demo school as it is (small roster, small register).
    const base = await school(root, 'baseline', (t) => t);

    const rosterDir = await school(root, 'roster', (t) => t);
    const roster = join(rosterDir, 'roster.csv');
    await writeLines(
      roster,
      'School Email,Legal Forename,Legal Surname,Role,Date of Leaving,Start Date,AUP Signed',
      ROWS,
      (i) => {
        const g = GIVEN[i % 10]!;
        const f = FAMILY[Math.floor(i / 10) % 10]!;
        const who = `${g.toLowerCase()}.${f.toLowerCase()}${i}`;
        return `${who}@school.test,${g},${f},${i % 20 === 0 ? 'Staff' : 'Pupil'},${i % 50 === 0 ? '22/07/2026' : ''},01/09/2021,02/09/2025`;
      },
    );

    const header =
      'Asset Tag,Serial,Model,Kind,MAC Addresses,Hostname,Assignee,Location,Purchase Date,Warranty End,End of Support,Status,Last Seen,Disposal Date,Disposal Company,Disposal Certificate,WEEE Reference';
    const csvDir = await school(root, 'register-csv', (t) => t);
    await writeLines(join(csvDir, 'assets.csv'), header, ROWS, (i) => assetRow(i).join(','));

    const xlsxDir = await school(root, 'register-xlsx', (t) =>
      t.replace(/^(\s*assets:) assets\.csv$/m, '$1 assets.xlsx'),
    );
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: join(xlsxDir, 'assets.xlsx') });
    const ws = wb.addWorksheet('assets');
    ws.addRow(header.split(',')).commit();
    for (let i = 0; i < ROWS; i++) ws.addRow(assetRow(i)).commit();
    ws.commit();
    await wb.commit();

    // ~4,000 networks: /24s in 172.16.0.0/12 and VLANs 100-4089, none overlapping.
    const nets = Array.from(
      { length: 3990 },
      (_, i) =>
        `  - { role: staff, name: BENCH${i}, vlan: ${100 + i}, subnet: 172.${16 + (i >> 8)}.${i & 255}.0/24, gateway: 172.${16 + (i >> 8)}.${i & 255}.1, dns: [10.40.0.53] }\n`,
    ).join('');
    const declDir = await school(root, 'declaration', (t) =>
      t.replace(/^networks:\n/m, `networks:\n${nets}`),
    );

    const cases: [string, string, string, string][] = [
      ['baseline: the demo school, declaration + roster', 'roster', base, join(base, 'roster.csv')],
      ['baseline: the demo school, declaration + register', 'register', base, join(base, 'assets.csv')],
      [`roster, ${ROWS.toLocaleString('en-GB')} rows (CSV)`, 'roster', rosterDir, roster],
      [
        `register, ${ROWS.toLocaleString('en-GB')} assets (CSV)`,
        'register',
        csvDir,
        join(csvDir, 'assets.csv'),
      ],
      [
        `register, ${ROWS.toLocaleString('en-GB')} assets (XLSX)`,
        'register',
        xlsxDir,
        join(xlsxDir, 'assets.xlsx'),
      ],
      ['declaration, 3,990 extra networks', 'declaration', declDir, join(declDir, 'school.yaml')],
    ];
    console.log(
      `inputs read in a fresh process each (node ${process.version}); peak RSS = maxRSS of that process`,
    );
    for (const [label, kind, dir, input] of cases) {
      const size = (await stat(input)).size;
      const m = await measure(kind, join(dir, 'school.yaml'));
      console.log(
        `  ${label.padEnd(50)} file ${mb(size).padStart(8)}  ${String(m.records).padStart(7)} records  ${(m.ms / 1000).toFixed(2).padStart(6)} s  RSS before ${mb(m.rssBefore).padStart(8)}  peak ${mb(m.peakRss).padStart(8)}  (+${mb(m.peakRss - m.rssBefore)})`,
      );
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
