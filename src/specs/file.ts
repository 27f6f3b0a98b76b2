/** Reading a spec file named on the command line (`-f FILE`, or `-f -` for stdin). */
import {readFile} from 'node:fs/promises'
import {loadSpec} from '../api/v1alpha1/index.js'
import type {Cluster} from '../api/v1alpha1/types.js'
import {errorMessage, KforgeError} from '../util/errors.js'

export async function readSpecText(file: string): Promise<string> {
  try {
    return file === '-' ? await readStdin() : await readFile(file, 'utf8')
  } catch (err) {
    throw new KforgeError(`${file}: cannot read it (${errorMessage(err)})`)
  }
}

/** The file's complete, validated cluster; problems name the file as the user wrote it. */
export async function readSpecFile(file: string): Promise<Cluster> {
  return loadSpec(await readSpecText(file), file === '-' ? '<stdin>' : file)
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
