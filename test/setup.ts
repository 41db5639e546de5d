// jest runs each test file in a vm context, where Node 20 does not define
// Symbol.dispose (it does so only for the main realm, as the registered
// symbol 'nodejs.dispose'). Define it the same way so `using` works here.
const symbols = Symbol as unknown as { dispose?: symbol; asyncDispose?: symbol };
symbols.dispose ??= Symbol.for('nodejs.dispose');
symbols.asyncDispose ??= Symbol.for('nodejs.asyncDispose');
