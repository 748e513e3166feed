/** The first line typed on stdin ('' at end of input); stops reading there. */
export function readAnswer(stdin: NodeJS.ReadableStream, maxBytes = 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (answer: string) => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.removeListener('error', reject);
      stdin.pause();
      resolve(answer);
    };
    const onData = (d: Buffer | string) => {
      text += d.toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) done(text.slice(0, nl));
      else if (text.length > maxBytes) done('');
    };
    const onEnd = () => done(text);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', reject);
    stdin.resume();
  });
}
