#!/usr/bin/env node
// The AWS SDK warns on every first client use under Node 20; a CLI must not spray that over
// every command's output. Users who want it can set the variable to "false".
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
