/**
 * Facts the school's own files give (the roster from the MIS export, the asset and software register):
 * typed, plain data read by inventory/roster.ts and inventory/register/, and judged by the checks and
 * planned from by intent/ like the devices' facts (devices/facts.ts).
 */

export interface RosterPerson {
  line: number;
  /** The MIS id (lifecycle.roster.columns.misId); '' when the row has none. */
  id: string;
  /** The account column (lifecycle.roster.columns.account), where one is mapped: uid or e-mail / UPN. */
  account?: string;
  givenName: string;
  surname: string;
  role: string;
  startDate?: string; // ISO date
  leavingDate?: string; // ISO date
  aupSigned?: string; // ISO date
}

export interface RosterFacts {
  file: string;
  people: RosterPerson[];
  /** Rows that could not be read, each as `file:line: message`; `people` holds the good rows. */
  problems?: string[];
}

export interface AssetRecord {
  assetTag: string;
  serial: string;
  model: string;
  kind: string;
  mac?: string[];
  hostname?: string;
  assignee?: string;
  location?: string;
  purchaseDate?: string;
  warrantyEnd?: string;
  endOfSupport?: string;
  status: 'in-use' | 'spare' | 'disposed';
  lastSeen?: string;
  disposal?: {
    date: string;
    company: string;
    certificate: string;
    weeeRef: string;
  };
  /** The school's own columns that are not part of the register (Notes), header to text. */
  extra?: Record<string, string>;
}

export interface LicenceRecord {
  title: string;
  kind: 'per-device' | 'per-user' | 'site' | 'subscription';
  seats?: number;
  start?: string;
  expiry?: string;
  contractRef?: string;
  /**
   * Per-user licences: the directory group whose members hold the seats (group-based licensing). The
   * seats are compared with its enabled members, and leavers still in it are named.
   */
  assignedGroup?: string;
  /** The school's own columns that are not part of the register (Notes), header to text. */
  extra?: Record<string, string>;
}

export interface InstallCount {
  title: string;
  installs: number;
  devices?: string[];
}

export interface SoftwareTitle {
  title: string;
  publisher?: string;
  version?: string;
  /** False for freeware and titles covered by something else (an OS); absent means a licence is needed. */
  licenceRequired?: boolean;
  /** The school's own columns that are not part of the register (Notes), header to text. */
  extra?: Record<string, string>;
}

export interface RegisterFacts {
  assets: AssetRecord[];
  software: SoftwareTitle[];
  licences: LicenceRecord[];
  installs: InstallCount[];
}
