/**
 * CoreDNS as kubeadm installs it (cmd/kubeadm/app/phases/addons/dns): ServiceAccount, ClusterRole
 * and binding `system:coredns`, the `coredns` Corefile ConfigMap, a two-replica Deployment and the
 * `kube-dns` Service on the tenth address of the service subnet.
 */
import {COREDNS_VERSION} from '../../api/versions.js'
import {Services} from '../resources.js'
import type {Service} from '../types.js'
import {clusterRole, clusterRoleBinding, serviceAccount} from './rbac.js'
import type {Manifest, ManifestSet} from './types.js'
import {CONTROL_PLANE_TOLERATION, configMapOf, deploymentOf, serviceAccountOf} from './workloads.js'

export interface CoreDnsInput {
  imageRepository: string
  dnsDomain: string
  /** The kube-dns Service IP (10th address of the service subnet). */
  clusterIP: string
  /** Default: COREDNS_VERSION */
  imageTag?: string
}

export function corefile(dnsDomain: string): string {
  return `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes ${dnsDomain} in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success ${dnsDomain}
       disable denial ${dnsDomain}
    }
    loop
    reload
    loadbalance
}
`
}

export function coreDnsManifests(i: CoreDnsInput): ManifestSet {
  const ns = 'kube-system'
  const labels = {'k8s-app': 'kube-dns'}
  const service: Manifest<Service> = {
    type: Services,
    object: {
      metadata: {
        name: 'kube-dns',
        namespace: ns,
        labels: {
          'k8s-app': 'kube-dns',
          'kubernetes.io/cluster-service': 'true',
          'kubernetes.io/name': 'CoreDNS',
        },
        annotations: {'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true'},
      },
      spec: {
        selector: labels,
        clusterIP: i.clusterIP,
        ports: [
          {name: 'dns', port: 53, protocol: 'UDP', targetPort: 53},
          {name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53},
          {name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153},
        ],
      },
    },
  }
  return [
    serviceAccountOf(ns, 'coredns'),
    clusterRole('system:coredns', [
      {apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch']},
      {apiGroups: [''], resources: ['nodes'], verbs: ['get']},
      {apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch']},
    ]),
    clusterRoleBinding('system:coredns', 'system:coredns', [serviceAccount(ns, 'coredns')]),
    configMapOf(ns, 'coredns', {Corefile: corefile(i.dnsDomain)}),
    deploymentOf(ns, 'coredns', labels, 2, {
      priorityClassName: 'system-cluster-critical',
      serviceAccountName: 'coredns',
      tolerations: [{key: 'CriticalAddonsOnly', operator: 'Exists'}, CONTROL_PLANE_TOLERATION],
      nodeSelector: {'kubernetes.io/os': 'linux'},
      dnsPolicy: 'Default',
      containers: [
        {
          name: 'coredns',
          image: `${i.imageRepository}/coredns/coredns:${i.imageTag ?? COREDNS_VERSION}`,
          imagePullPolicy: 'IfNotPresent',
          args: ['-conf', '/etc/coredns/Corefile'],
          volumeMounts: [{name: 'config-volume', mountPath: '/etc/coredns', readOnly: true}],
          ports: [
            {containerPort: 53, name: 'dns', protocol: 'UDP'},
            {containerPort: 53, name: 'dns-tcp', protocol: 'TCP'},
            {containerPort: 9153, name: 'metrics', protocol: 'TCP'},
          ],
          livenessProbe: {
            httpGet: {path: '/health', port: 8080, scheme: 'HTTP'},
            initialDelaySeconds: 60,
            timeoutSeconds: 5,
          },
          readinessProbe: {httpGet: {path: '/ready', port: 8181, scheme: 'HTTP'}},
        },
      ],
      volumes: [{name: 'config-volume', configMap: {name: 'coredns'}}],
    }),
    service,
  ]
}
