import { stdin, stderr } from 'node:process';

/** All of standard input, without the one line ending a shell or `echo` adds. */
export async function passwordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Reads one line from the terminal without echoing it. */
function hiddenLine(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let line = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003' || char === '\u0004') return done(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') line = [...line].slice(0, -1).join('');
        else line += char;
      }
    };
    stdin.on('data', onData);
  });
}

/** Asks for a new password twice on the terminal (no echo); undefined when the two differ. */
export async function promptNewPassword(): Promise<string | undefined> {
  const first = await hiddenLine('Password: ');
  const second = await hiddenLine('Repeat password: ');
  return first === second ? first : undefined;
}

export const canPrompt = () => Boolean(stdin.isTTY);
