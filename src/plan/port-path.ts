import { PlanError } from '../errors.js';
import { parseSources } from './addresses.js';
import type { HostFacts } from './namespace.js';
import { CLOSE_POLICIES, ENGINE_CHOICES, PLAN_DEFAULTS, PORT_MODES, type EngineChoice, type Plan, type PortMode } from './plan.js';
import { defaultExplicitPorts, parsePortRange, rangesOverlap, type PortRange } from './ports.js';
import type { RunOptions } from './run-options.js';
import type { TargetEndpoint } from './target-url.js';
import { oneOf } from './units.js';

/** Who picks the source address and port, the engine, and who closes: the choices that constrain each other. */
export function portPathOf(
  options: RunOptions,
  facts: HostFacts,
  protocol: TargetEndpoint['protocol'],
): Pick<Plan, 'sources' | 'portMode' | 'engine' | 'close' | 'explicitPorts' | 'socketPortRange'> {
  const sources =
    options.sources === undefined ? [] : parseSources(String(options.sources), options.sourceBase ?? PLAN_DEFAULTS.sourceBase);
  const portMode = oneOf('--port-mode', options.portMode ?? (sources.length === 0 ? 'kernel' : 'bind'), PORT_MODES);
  if (portMode === 'kernel' && sources.length > 0) {
    // Without bind() the kernel takes the source address from the route (127.0.0.1 on loopback),
    // so a chosen source would be a label the run does not honour.
    const chosen = sources.length === 1 ? sources[0] : `${sources.length} addresses`;
    throw new PlanError(
      '--port-mode',
      `--port-mode kernel does not bind, so it cannot use chosen --sources (${chosen}); use --port-mode bind or explicit, or drop --sources`,
    );
  }
  const engine = oneOf('--engine', options.engine ?? PLAN_DEFAULTS.engine, ENGINE_CHOICES);
  if (portMode === 'nobind' && engine === 'js') {
    throw new PlanError(
      '--port-mode',
      '--port-mode nobind needs the native engine (IP_BIND_ADDRESS_NO_PORT is a socket option Node cannot set); drop --engine js',
    );
  }
  if (portMode !== 'kernel' && sources.length === 0) {
    throw new PlanError('--port-mode', `--port-mode ${portMode} needs --sources (e.g. --sources 4)`);
  }
  const close = oneOf('--close', options.close ?? PLAN_DEFAULTS.close, CLOSE_POLICIES);
  if (close === 'keepalive' && portMode === 'explicit') {
    throw new PlanError('--close', '--close keepalive reuses connections, so --port-mode explicit has nothing to choose; use bind');
  }
  if (close === 'keepalive' && protocol === 'tcp') {
    throw new PlanError(
      '--close',
      '--close keepalive needs an HTTP target; a tcp:// target has no request framing to reuse a connection with',
    );
  }
  return {
    sources,
    portMode,
    engine,
    close,
    explicitPorts: explicitPortsOf(options, facts, portMode),
    socketPortRange: socketPortRangeOf(options, portMode, engine),
  };
}

/** Explicit mode's port range: given, or the ports above ip_local_port_range; never the host's own range unless insisted on. */
function explicitPortsOf(options: RunOptions, facts: HostFacts, portMode: PortMode): PortRange | null {
  if (portMode !== 'explicit') {
    if (options.explicitPorts !== undefined)
      throw new PlanError('--explicit-ports', '--explicit-ports applies to --port-mode explicit only');
    return null;
  }
  if (options.explicitPorts === undefined) {
    const ports = defaultExplicitPorts(facts.ephemeralPorts);
    if (!ports) throw new PlanError('--explicit-ports', '--explicit-ports: ip_local_port_range leaves no room outside it; give a range');
    return ports;
  }
  const ports = parsePortRange('--explicit-ports', options.explicitPorts);
  if (rangesOverlap(ports, facts.ephemeralPorts) && options.allowEphemeralOverlap !== true && facts.isolated !== true) {
    const eph = facts.ephemeralPorts;
    throw new PlanError(
      '--explicit-ports',
      `--explicit-ports ${ports.low}-${ports.high} overlaps ip_local_port_range ${eph.low}-${eph.high}, which would starve other programs of ports; pass --allow-ephemeral-overlap to insist`,
    );
  }
  return ports;
}

/** IP_LOCAL_PORT_RANGE for every socket: native engine only, and only where the kernel picks the port. */
function socketPortRangeOf(options: RunOptions, portMode: PortMode, engine: EngineChoice): PortRange | null {
  if (options.socketPortRange === undefined) return null;
  const range = parsePortRange('--socket-port-range', options.socketPortRange);
  if (engine === 'js')
    throw new PlanError(
      '--socket-port-range',
      '--socket-port-range sets IP_LOCAL_PORT_RANGE, a socket option Node cannot set: it needs the native engine; drop --engine js',
    );
  if (portMode === 'explicit')
    throw new PlanError(
      '--socket-port-range',
      '--socket-port-range narrows the ports the kernel picks; --port-mode explicit picks them itself (use --explicit-ports)',
    );
  return range;
}
