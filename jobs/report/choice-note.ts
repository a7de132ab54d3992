/**
 * How a sample clip's caption was chosen, in the words the report prints beside it: its source and
 * how far the chosen candidate's rank stood from the runner-up's, in nats. A negative margin is
 * printed as "below": the rule preferred the chosen caption (people's text, or last round's) though
 * the runner-up ranked higher.
 */
export function choiceNote(source: string, margin: number, runnerUp: string): string {
  if (!runnerUp) return `[${source}]`;
  const nats = Math.abs(margin).toFixed(1);
  return `[${source}, ${nats} nats ${margin < 0 && nats !== '0.0' ? 'below' : 'over'} ${runnerUp}]`;
}
