import type { NatPlanRow, NatProfile } from '../result/limits-report.js';

export { natProfiles } from '../model/nat-systems.js';

/** The NAT planning question: how many NAT addresses a load needs on each system. */
export function planNat(
  profile: NatProfile,
  load: { readonly ratePerSec: number | null; readonly open: number | null; readonly destinations: number },
): NatPlanRow {
  const perSec = profile.holdAfterCloseSec ? profile.portsPerDestination / profile.holdAfterCloseSec : null;
  const perDestinationRate = load.ratePerSec === null ? null : load.ratePerSec / load.destinations;
  const addressesForRate = perDestinationRate === null || perSec === null ? null : Math.max(1, Math.ceil(perDestinationRate / perSec));
  const addressesForOpen = load.open === null ? null : Math.max(1, Math.ceil(load.open / load.destinations / profile.portsPerDestination));
  const most = Math.max(addressesForRate ?? 0, addressesForOpen ?? 0);
  return {
    profile,
    perAddressPerDestinationPerSec: perSec,
    addressesForRate,
    addressesForOpen,
    overMax: profile.maxAddresses !== null && most > profile.maxAddresses,
  };
}
