/**
 * Every check, by static import so the catalogue can be listed without scanning anything (InSpec's
 * rule: no dynamic ids). Adding a check means one import and one entry here; the catalogue test
 * fails if a check file is missing from this list.
 */
import type { Check } from './types.ts';
import directoryAccountAupSigned from './accounts/directory-account-aup-signed.check.ts';
import directoryAccountGenericNames from './accounts/directory-account-generic-names.check.ts';
import directoryAccountGuestExpires from './accounts/directory-account-guest-expires.check.ts';
import directoryAccountLeaversDisabled from './accounts/directory-account-leavers-disabled.check.ts';
import directoryAccountLeaversRemoved from './accounts/directory-account-leavers-removed.check.ts';
import directoryAccountNotOnRoster from './accounts/directory-account-not-on-roster.check.ts';
import directoryAccountPasswordNeverExpires from './accounts/directory-account-password-never-expires.check.ts';
import directoryAccountPasswordNotRequired from './accounts/directory-account-password-not-required.check.ts';
import directoryAccountRoleGroup from './accounts/directory-account-role-group.check.ts';
import directoryAccountStale from './accounts/directory-account-stale.check.ts';
import directoryAdminCountLimit from './accounts/directory-admin-count-limit.check.ts';
import directoryAdminNamedCount from './accounts/directory-admin-named-count.check.ts';
import directoryAdminNoPupils from './accounts/directory-admin-no-pupils.check.ts';
import directoryAdminSeparateAccount from './accounts/directory-admin-separate-account.check.ts';
import directoryPasswordPolicyDrift from './drift/directory-password-policy-drift.check.ts';
import networkDriftSummary from './drift/network-drift-summary.check.ts';
import routerosZonePolicyDrift from './drift/routeros-zone-policy-drift.check.ts';
import directoryComputerRecoveryKey from './encryption/directory-computer-recovery-key.check.ts';
import deviceManagementInsecureDeclared from './firewall/device-management-insecure-declared.check.ts';
import routerosDhcpDnsFilter from './firewall/routeros-dhcp-dns-filter.check.ts';
import routerosFirewallDnsForced from './firewall/routeros-firewall-dns-forced.check.ts';
import routerosFirewallEncryptedDnsBlocked from './firewall/routeros-firewall-encrypted-dns-blocked.check.ts';
import routerosFirewallInputDefaultDrop from './firewall/routeros-firewall-input-default-drop.check.ts';
import routerosNatInboundDocumented from './firewall/routeros-nat-inbound-documented.check.ts';
import routerosNatRemoteAccessExposed from './firewall/routeros-nat-remote-access-exposed.check.ts';
import routerosServiceManagementRestricted from './firewall/routeros-service-management-restricted.check.ts';
import routerosSnmpDefaultCommunity from './firewall/routeros-snmp-default-community.check.ts';
import routerosSnmpV3Only from './firewall/routeros-snmp-v3-only.check.ts';
import routerosUserDefaultAdminRemoved from './firewall/routeros-user-default-admin-removed.check.ts';
import routerosFirmwareMinimum from './firmware/routeros-firmware-minimum.check.ts';
import switchFirmwareMinimum from './firmware/switch-firmware-minimum.check.ts';
import governancePolicyReviewDue from './governance/governance-policy-review-due.check.ts';
import inventoryDevicesRegistered from './inventory/inventory-devices-registered.check.ts';
import inventoryDevicesSeen from './inventory/inventory-devices-seen.check.ts';
import inventoryDisposalRecordsComplete from './inventory/inventory-disposal-records-complete.check.ts';
import inventoryDisposedNotReappearing from './inventory/inventory-disposed-not-reappearing.check.ts';
import inventoryEndOfSupport from './inventory/inventory-end-of-support.check.ts';
import inventoryLicencesExpiring from './inventory/inventory-licences-expiring.check.ts';
import inventoryLicencesSufficient from './inventory/inventory-licences-sufficient.check.ts';
import inventorySoftwareLicensed from './inventory/inventory-software-licensed.check.ts';
import directoryPasswordCharacterRules from './passwords/directory-password-character-rules.check.ts';
import directoryPasswordDenyList from './passwords/directory-password-deny-list.check.ts';
import directoryPasswordExpiryGuidance from './passwords/directory-password-expiry-guidance.check.ts';
import directoryPasswordExpiry from './passwords/directory-password-expiry.check.ts';
import directoryPasswordHistory from './passwords/directory-password-history.check.ts';
import directoryPasswordLengthCyberEssentials from './passwords/directory-password-length-cyber-essentials.check.ts';
import directoryPasswordLockout from './passwords/directory-password-lockout.check.ts';
import directoryPasswordLockoutDuration from './passwords/directory-password-lockout-duration.check.ts';
import directoryPasswordMinLength from './passwords/directory-password-min-length.check.ts';
import probeFilterBypass from './probes/probe-filter-bypass.check.ts';
import probeFilterDhcpResolver from './probes/probe-filter-dhcp-resolver.check.ts';
import probeFilterDnsCategory from './probes/probe-filter-dns-category.check.ts';
import probeFilterDownload from './probes/probe-filter-download.check.ts';
import probeFilterSafesearch from './probes/probe-filter-safesearch.check.ts';
import probeFilterWebCategory from './probes/probe-filter-web-category.check.ts';
import routerosVlansDeclaredPresent from './segmentation/routeros-vlans-declared-present.check.ts';
import routerosZoneInternetOnly from './segmentation/routeros-zone-internet-only.check.ts';
import routerosZoneIsolation from './segmentation/routeros-zone-isolation.check.ts';
import switchVlansDeclaredPresent from './segmentation/switch-vlans-declared-present.check.ts';
import switchManagementPlaintextOff from './switches/switch-management-plaintext-off.check.ts';
import switchPortPvidDeclared from './switches/switch-port-pvid-declared.check.ts';
import switchSnmpDefaultCommunity from './switches/switch-snmp-default-community.check.ts';
import switchSnmpV3Only from './switches/switch-snmp-v3-only.check.ts';
import wifiGuestOnGuestVlan from './wifi/wifi-guest-on-guest-vlan.check.ts';
import wifiPmfRequired from './wifi/wifi-pmf-required.check.ts';
import wifiRadiusConfigured from './wifi/wifi-radius-configured.check.ts';
import wifiSsidDeclaredPresent from './wifi/wifi-ssid-declared-present.check.ts';
import wifiSsidRequiresEap from './wifi/wifi-ssid-requires-eap.check.ts';

export const allChecks: readonly Check[] = [
  directoryAccountAupSigned,
  directoryAccountGenericNames,
  directoryAccountGuestExpires,
  directoryAccountLeaversDisabled,
  directoryAccountLeaversRemoved,
  directoryAccountNotOnRoster,
  directoryAccountPasswordNeverExpires,
  directoryAccountPasswordNotRequired,
  directoryAccountRoleGroup,
  directoryAccountStale,
  directoryAdminCountLimit,
  directoryAdminNamedCount,
  directoryAdminNoPupils,
  directoryAdminSeparateAccount,
  directoryPasswordPolicyDrift,
  networkDriftSummary,
  routerosZonePolicyDrift,
  directoryComputerRecoveryKey,
  deviceManagementInsecureDeclared,
  routerosDhcpDnsFilter,
  routerosFirewallDnsForced,
  routerosFirewallEncryptedDnsBlocked,
  routerosFirewallInputDefaultDrop,
  routerosNatInboundDocumented,
  routerosNatRemoteAccessExposed,
  routerosServiceManagementRestricted,
  routerosSnmpDefaultCommunity,
  routerosSnmpV3Only,
  routerosUserDefaultAdminRemoved,
  routerosFirmwareMinimum,
  switchFirmwareMinimum,
  governancePolicyReviewDue,
  inventoryDevicesRegistered,
  inventoryDevicesSeen,
  inventoryDisposalRecordsComplete,
  inventoryDisposedNotReappearing,
  inventoryEndOfSupport,
  inventoryLicencesExpiring,
  inventoryLicencesSufficient,
  inventorySoftwareLicensed,
  directoryPasswordCharacterRules,
  directoryPasswordDenyList,
  directoryPasswordExpiryGuidance,
  directoryPasswordExpiry,
  directoryPasswordHistory,
  directoryPasswordLengthCyberEssentials,
  directoryPasswordLockout,
  directoryPasswordLockoutDuration,
  directoryPasswordMinLength,
  probeFilterBypass,
  probeFilterDhcpResolver,
  probeFilterDnsCategory,
  probeFilterDownload,
  probeFilterSafesearch,
  probeFilterWebCategory,
  routerosVlansDeclaredPresent,
  routerosZoneInternetOnly,
  routerosZoneIsolation,
  switchVlansDeclaredPresent,
  switchManagementPlaintextOff,
  switchPortPvidDeclared,
  switchSnmpDefaultCommunity,
  switchSnmpV3Only,
  wifiGuestOnGuestVlan,
  wifiPmfRequired,
  wifiRadiusConfigured,
  wifiSsidDeclaredPresent,
  wifiSsidRequiresEap,
];

const byId = new Map<string, Check>(allChecks.map((c) => [c.meta.id, c]));

export function getCheck(id: string): Check | undefined {
  return byId.get(id);
}

/** The checks that evidence a control. */
export function checksForControl(controlId: string): Check[] {
  return allChecks.filter((c) => c.meta.controls.includes(controlId));
}
