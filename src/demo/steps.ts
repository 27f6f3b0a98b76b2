/**
 * The demo's script: each step is a real CLI invocation (or a direct look at the emulator).
 * Steps are added here as kforge grows; the runner in run.ts stays the same.
 */
import type {DemoStep} from './run.js'

function head(text: string, lines: number): string {
  const all = text.trimEnd().split('\n')
  return all.length <= lines
    ? all.join('\n')
    : `${all.slice(0, lines).join('\n')}\n… (${all.length - lines} more lines)`
}

export function demoSteps(): DemoStep[] {
  return [
    {
      title: 'Build a complete 3-zone HA spec from flags (nothing stored)',
      args: (c) => ['create', 'cluster', c.cluster, '--zones', c.zones.join(','), '--dry-run', '-o', 'yaml'],
      show: (r) => head(r.stdout, 30),
    },
    {
      title: 'Create the cluster: validate and store the spec',
      args: (c) => ['create', 'cluster', c.cluster, '--zones', c.zones.join(',')],
    },
    {title: 'List clusters in the state store', args: () => ['get', 'clusters']},
    {title: 'List its instance groups', args: (c) => ['get', 'instancegroups', '--name', c.cluster]},
  ]
}
