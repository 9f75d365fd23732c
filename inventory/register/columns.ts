/**
 * The register's four tables and their columns: the headers we ship in the example files (and write on
 * export), plus the other names the same column goes by in school spreadsheets and device-management
 * exports (Intune's "Discovered apps" says Application / Device count). A school whose spreadsheet
 * uses other headers overrides them with a column mapping; headers match case- and space-insensitively.
 */

export type TableName = 'assets' | 'software' | 'licences' | 'installs';

export type CellType = 'text' | 'date' | 'count' | 'list' | 'status' | 'licence-kind' | 'yes-no';

export interface ColumnSpec {
  /** The record field (for disposal fields, `disposal.<name>`). */
  field: string;
  header: string;
  aliases: string[];
  type: CellType;
}

export const TABLES: Record<TableName, ColumnSpec[]> = {
  assets: [
    {
      field: 'assetTag',
      header: 'Asset Tag',
      aliases: ['Asset', 'Asset No', 'Asset Number', 'Tag'],
      type: 'text',
    },
    { field: 'serial', header: 'Serial', aliases: ['Serial Number', 'Serial No', 'S/N'], type: 'text' },
    { field: 'model', header: 'Model', aliases: ['Make/Model', 'Product'], type: 'text' },
    { field: 'kind', header: 'Kind', aliases: ['Type', 'Device Type', 'Category'], type: 'text' },
    { field: 'mac', header: 'MAC Addresses', aliases: ['MAC', 'MAC Address', 'Wi-Fi MAC'], type: 'list' },
    {
      field: 'hostname',
      header: 'Hostname',
      aliases: ['Host Name', 'Computer Name', 'Device Name'],
      type: 'text',
    },
    { field: 'assignee', header: 'Assignee', aliases: ['Assigned To', 'User'], type: 'text' },
    { field: 'location', header: 'Location', aliases: ['Room'], type: 'text' },
    {
      field: 'purchaseDate',
      header: 'Purchase Date',
      aliases: ['Purchased', 'Date Purchased'],
      type: 'date',
    },
    { field: 'warrantyEnd', header: 'Warranty End', aliases: ['Warranty Expiry', 'Warranty'], type: 'date' },
    { field: 'endOfSupport', header: 'End of Support', aliases: ['EOS', 'End Of Life', 'EOL'], type: 'date' },
    { field: 'status', header: 'Status', aliases: [], type: 'status' },
    { field: 'lastSeen', header: 'Last Seen', aliases: ['Last Seen On Network'], type: 'date' },
    { field: 'disposal.date', header: 'Disposal Date', aliases: ['Disposed', 'Date Disposed'], type: 'date' },
    {
      field: 'disposal.company',
      header: 'Disposal Company',
      aliases: ['Disposed By', 'Authorised Company'],
      type: 'text',
    },
    {
      field: 'disposal.certificate',
      header: 'Disposal Certificate',
      aliases: ['Certificate', 'Receipt', 'Data Destruction Certificate'],
      type: 'text',
    },
    { field: 'disposal.weeeRef', header: 'WEEE Reference', aliases: ['WEEE Ref', 'WEEE'], type: 'text' },
  ],
  software: [
    { field: 'title', header: 'Title', aliases: ['Application', 'Software', 'Name'], type: 'text' },
    { field: 'publisher', header: 'Publisher', aliases: ['Vendor'], type: 'text' },
    { field: 'version', header: 'Version', aliases: [], type: 'text' },
    {
      field: 'licenceRequired',
      header: 'Licence Required',
      aliases: ['Licensed', 'License Required'],
      type: 'yes-no',
    },
  ],
  licences: [
    { field: 'title', header: 'Title', aliases: ['Application', 'Software', 'Product'], type: 'text' },
    {
      field: 'kind',
      header: 'Kind',
      aliases: ['Licence Type', 'License Type', 'Type'],
      type: 'licence-kind',
    },
    { field: 'seats', header: 'Seats', aliases: ['Quantity', 'Licences', 'Licenses'], type: 'count' },
    { field: 'start', header: 'Start', aliases: ['Start Date'], type: 'date' },
    { field: 'expiry', header: 'Expiry', aliases: ['Expiry Date', 'End Date', 'Renewal Date'], type: 'date' },
    {
      field: 'contractRef',
      header: 'Contract Ref',
      aliases: ['Contract', 'Order Number', 'PO'],
      type: 'text',
    },
    {
      field: 'assignedGroup',
      header: 'Assigned Group',
      aliases: ['Licence Group', 'License Group', 'Directory Group', 'AD Group', 'Users Group'],
      type: 'text',
    },
  ],
  installs: [
    {
      field: 'title',
      header: 'Title',
      aliases: ['Application', 'Application Name', 'Software', 'Display Name', 'Name'],
      type: 'text',
    },
    {
      field: 'installs',
      header: 'Installs',
      aliases: ['Device Count', 'Install Count', 'Installations', 'Count'],
      type: 'count',
    },
    {
      field: 'device',
      header: 'Device',
      aliases: ['Device Name', 'Computer', 'Computer Name'],
      type: 'text',
    },
    { field: 'version', header: 'Version', aliases: [], type: 'text' },
  ],
};

/** Fields a row must have, per table (the JSON Schema says the same; this decides header problems). */
export const REQUIRED_COLUMNS: Record<TableName, string[]> = {
  assets: ['assetTag', 'serial', 'model', 'kind', 'status'],
  software: ['title'],
  licences: ['title', 'kind'],
  installs: ['title'],
};

/** A school's own headers, by field: `{ purchaseDate: 'Bought' }`. */
export type ColumnMapping = Partial<Record<string, string>>;

export function normHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

/** Parses `field=Header` pairs (the CLI's `--map`), refusing fields the table does not have. */
export function parseMapping(table: TableName, pairs: readonly string[]): ColumnMapping {
  const out: ColumnMapping = {};
  const fields = new Set(TABLES[table].map((c) => c.field));
  for (const p of pairs) {
    const at = p.indexOf('=');
    const field = at < 0 ? '' : p.slice(0, at).trim();
    if (at < 0 || !fields.has(field))
      throw new Error(
        `--map ${p}: expected field=Header with a field of the ${table} table (${[...fields].join(', ')})`,
      );
    out[field] = p.slice(at + 1).trim();
  }
  return out;
}
