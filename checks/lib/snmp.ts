/** Community names every scanner tries first. */
export const DEFAULT_COMMUNITIES = ['public', 'private', 'community', 'snmp', 'cisco', 'admin', 'mikrotik'];
