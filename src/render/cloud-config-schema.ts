/**
 * What kforge knows of cloud-config, as cloud-init 22.4 (Debian/Ubuntu) reads it: every
 * top-level key with the module that reads it, in the default stage order, and the shapes of the
 * keys users most often get wrong. Facts taken from cloud-init's own schema
 * (schema-cloud-config-v1.json) and /etc/cloud/cloud.cfg; `cloud-init schema` stays the final
 * word in the test suite.
 */

/** [module, the top-level keys it reads], in cloud-init's default run order. */
export const MODULE_KEYS: ReadonlyArray<readonly [string, readonly string[]]> = [
  // cloud_init_modules
  ['migrator', ['migrate']],
  ['seed_random', ['random_seed']],
  ['bootcmd', ['bootcmd']],
  ['write_files', ['write_files']],
  ['growpart', ['growpart']],
  ['resizefs', ['resize_rootfs']],
  ['disk_setup', ['device_aliases', 'disk_setup', 'fs_setup']],
  ['mounts', ['mount_default_fields', 'mounts', 'swap']],
  ['set_hostname', ['fqdn', 'hostname', 'prefer_fqdn_over_hostname', 'preserve_hostname']],
  ['update_etc_hosts', ['manage_etc_hosts']],
  ['ca_certs', ['ca-certs', 'ca_certs']],
  ['rsyslog', ['rsyslog']],
  ['users_groups', ['groups', 'user', 'users']],
  [
    'ssh',
    [
      'allow_public_ssh_keys',
      'disable_root',
      'disable_root_opts',
      'ssh_authorized_keys',
      'ssh_deletekeys',
      'ssh_genkeytypes',
      'ssh_keys',
      'ssh_publish_hostkeys',
      'ssh_quiet_keygen',
    ],
  ],
  // cloud_config_modules
  ['snap', ['snap']],
  ['ssh_import_id', ['ssh_import_id']],
  ['keyboard', ['keyboard']],
  ['locale', ['locale', 'locale_configfile']],
  ['set_passwords', ['chpasswd', 'password', 'ssh_pwauth']],
  ['grub_dpkg', ['grub-dpkg', 'grub_dpkg']],
  ['apt_pipelining', ['apt_pipelining']],
  ['apt_configure', ['apt']],
  ['ntp', ['ntp']],
  ['timezone', ['timezone']],
  ['disable_ec2_metadata', ['disable_ec2_metadata']],
  ['runcmd', ['runcmd']],
  ['byobu', ['byobu_by_default']],
  // cloud_final_modules
  [
    'package_update_upgrade_install',
    [
      'apt_reboot_if_required',
      'apt_update',
      'apt_upgrade',
      'package_reboot_if_required',
      'package_update',
      'package_upgrade',
      'packages',
    ],
  ],
  ['fan', ['fan']],
  ['landscape', ['landscape']],
  ['lxd', ['lxd']],
  ['puppet', ['puppet']],
  ['chef', ['chef']],
  ['mcollective', ['mcollective']],
  ['salt_minion', ['salt_minion']],
  ['scripts_vendor', ['vendor_data']],
  ['ssh_authkey_fingerprints', ['authkey_hash', 'no_ssh_fingerprints']],
  ['keys_to_console', ['ssh', 'ssh_fp_console_blacklist', 'ssh_key_console_blacklist']],
  ['install_hotplug', ['updates']],
  ['phone_home', ['phone_home']],
  ['final_message', ['final_message']],
  ['power_state_change', ['power_state']],
  // modules outside Ubuntu's default lists
  ['ansible', ['ansible']],
  ['apk_configure', ['apk_repos']],
  ['ubuntu_autoinstall', ['autoinstall']],
  ['resolv_conf', ['manage_resolv_conf', 'resolv_conf']],
  ['rh_subscription', ['rh_subscription']],
  ['spacewalk', ['spacewalk']],
  ['ubuntu_advantage', ['ubuntu_advantage']],
  ['ubuntu_drivers', ['drivers']],
  ['wireguard', ['wireguard']],
  ['yum_add_repo', ['yum_repo_dir', 'yum_repos']],
  ['zypper_add_repo', ['zypper']],
]

/** Top-level keys cloud-init reads that belong to no module. */
export const GENERAL_KEYS: readonly string[] = [
  'cloud_config_modules',
  'cloud_final_modules',
  'cloud_init_modules',
  'merge_how',
  'merge_type',
  'output',
  'reporting',
  'system_info',
]

export const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set([
  ...MODULE_KEYS.flatMap(([, keys]) => keys),
  ...GENERAL_KEYS,
])

/** The modules that act on these top-level keys, in cloud-init's run order. */
export function modulesFor(keys: Iterable<string>): string[] {
  const wanted = new Set(keys)
  return MODULE_KEYS.filter(([, ks]) => ks.some((k) => wanted.has(k))).map(([m]) => m)
}

export type Shape =
  | {type: 'string'; enum?: readonly string[]}
  | {type: 'boolean'}
  | {type: 'integer'}
  | {type: 'null'}
  | {type: 'any'}
  | {type: 'list'; items: Shape}
  | {type: 'map'; values: Shape}
  | {type: 'object'; fields: Readonly<Record<string, Shape>>; required?: readonly string[]}
  | {type: 'oneOf'; options: readonly Shape[]}

const str: Shape = {type: 'string'}
const bool: Shape = {type: 'boolean'}
const int: Shape = {type: 'integer'}
const any: Shape = {type: 'any'}
const strings: Shape = {type: 'list', items: str}
const oneOf = (...options: Shape[]): Shape => ({type: 'oneOf', options})
const obj = (fields: Record<string, Shape>, required: readonly string[] = []): Shape => ({
  type: 'object',
  fields,
  required,
})
const command = oneOf(str, strings)

const user = obj({
  name: str,
  expiredate: str,
  gecos: str,
  groups: oneOf(str, strings, {type: 'map', values: any}),
  homedir: str,
  inactive: str,
  'lock-passwd': bool,
  lock_passwd: bool,
  no_create_home: bool,
  no_log_init: bool,
  no_user_group: bool,
  passwd: str,
  hashed_passwd: str,
  plain_text_passwd: str,
  create_groups: bool,
  primary_group: str,
  selinux_user: str,
  shell: str,
  snapuser: str,
  ssh_authorized_keys: strings,
  ssh_import_id: strings,
  ssh_redirect_user: bool,
  system: bool,
  sudo: oneOf(str, bool, {type: 'null'}, strings),
  uid: oneOf(int, str),
})

/** Shapes of the keys checked beyond their name. Others are only checked to exist. */
export const KEY_SHAPES: Readonly<Record<string, Shape>> = {
  write_files: {
    type: 'list',
    items: obj(
      {
        path: str,
        content: str,
        owner: str,
        permissions: str,
        encoding: {
          type: 'string',
          enum: [
            'b64',
            'base64',
            'gz',
            'gzip',
            'gz+b64',
            'gz+base64',
            'gzip+b64',
            'gzip+base64',
            'text/plain',
          ],
        },
        append: bool,
        defer: bool,
      },
      ['path'],
    ),
  },
  runcmd: {type: 'list', items: oneOf(str, strings, {type: 'null'})},
  bootcmd: {type: 'list', items: command},
  packages: {type: 'list', items: command},
  package_update: bool,
  package_upgrade: bool,
  package_reboot_if_required: bool,
  apt_update: bool,
  apt_upgrade: bool,
  apt_reboot_if_required: bool,
  hostname: str,
  fqdn: str,
  preserve_hostname: bool,
  prefer_fqdn_over_hostname: bool,
  manage_etc_hosts: oneOf(bool, {type: 'string', enum: ['template', 'localhost']}),
  ssh_authorized_keys: strings,
  ssh_pwauth: oneOf(bool, str),
  disable_root: bool,
  timezone: str,
  locale: oneOf(bool, str),
  final_message: str,
  users: oneOf(str, {type: 'list', items: oneOf(str, strings, user)}),
  ntp: oneOf(
    {type: 'null'},
    obj({
      pools: strings,
      servers: strings,
      ntp_client: str,
      enabled: bool,
      config: {type: 'map', values: any},
    }),
  ),
  power_state: obj(
    {
      delay: oneOf(int, str),
      mode: {type: 'string', enum: ['poweroff', 'halt', 'reboot']},
      message: str,
      timeout: int,
      condition: oneOf(str, bool, {type: 'list', items: any}),
    },
    ['mode'],
  ),
  apt: obj({
    preserve_sources_list: bool,
    generate_mirrorlists: bool,
    disable_suites: strings,
    primary: {type: 'list', items: any},
    security: {type: 'list', items: any},
    add_apt_repo_match: str,
    debconf_selections: {type: 'map', values: str},
    sources_list: str,
    conf: str,
    https_proxy: str,
    http_proxy: str,
    proxy: str,
    ftp_proxy: str,
    sources: {type: 'map', values: any},
  }),
}
