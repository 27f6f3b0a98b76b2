/** One line from stdin after a prompt on stderr; an empty or closed stdin answers "". */
export function readLine(question: string): Promise<string> {
  process.stderr.write(question)
  return new Promise((resolve) => {
    let buf = ''
    const done = (answer: string) => {
      process.stdin.off('data', onData)
      process.stdin.off('end', onEnd)
      process.stdin.pause()
      resolve(answer)
    }
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8')
      const nl = buf.indexOf('\n')
      if (nl >= 0) done(buf.slice(0, nl))
    }
    const onEnd = () => done(buf)
    process.stdin.on('data', onData)
    process.stdin.on('end', onEnd)
    process.stdin.resume()
  })
}
