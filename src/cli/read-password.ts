import { stdin, stderr } from 'node:process';

/** All of standard input, without the one line ending a shell or `echo` adds. */
export async function passwordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * Reads `count` lines from the terminal without echoing them, each after its prompt. Keystrokes
 * typed ahead (or pasted) are kept for the next line.
 */
function hiddenLines(prompts: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let line = '';
    stdin.setRawMode(true);
    stdin.resume();
    stderr.write(prompts[0] ?? '');
    const stop = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
    };
    function onData(chunk: Buffer) {
      for (const char of chunk.toString('utf8')) {
        if (char === '\u0003' || char === '\u0004') {
          stop();
          stderr.write('\n');
          return reject(new Error('cancelled'));
        }
        if (char === '\r' || char === '\n') {
          lines.push(line);
          line = '';
          stderr.write('\n');
          if (lines.length === prompts.length) {
            stop();
            return resolve(lines);
          }
          stderr.write(prompts[lines.length] ?? '');
        } else if (char === '\u007f' || char === '\b') line = [...line].slice(0, -1).join('');
        else line += char;
      }
    }
    stdin.on('data', onData);
  });
}

/** Asks for a new password twice on the terminal (no echo); undefined when the two differ. */
export async function promptNewPassword(): Promise<string | undefined> {
  const [first, second] = await hiddenLines(['Password: ', 'Repeat password: ']);
  return first === second ? first : undefined;
}

export const canPrompt = () => Boolean(stdin.isTTY);
