import { describe, expect, it } from 'vitest';
import { BarReporter, cliReporter } from '../../cli/reporters.js';
import { JsonReporter } from '../../pipeline/reporter.js';

describe('cliReporter', () => {
  it('gives bars or JSON lines as --log asks, and without --log follows whether stderr is a terminal', () => {
    const bars = cliReporter('bars');
    expect(bars).toBeInstanceOf(BarReporter);
    bars.close();
    expect(cliReporter('json')).toBeInstanceOf(JsonReporter);
    const auto = cliReporter();
    expect(auto).toBeInstanceOf(process.stderr.isTTY ? BarReporter : JsonReporter);
    auto.close();
  });
});
