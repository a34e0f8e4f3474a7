import { findFetchedScripts } from './analyse';

const at = { file: '.circleci/config.yml', line: 10 };

function found(text: string, vars?: Record<string, string>): Array<[string, string, number]> {
  return findFetchedScripts(text, at, vars).map((u) => {
    if (u.ref.kind !== 'script-url') throw new Error(`unexpected kind ${u.ref.kind}`);
    return [u.ref.how, u.ref.url, u.pos.line];
  });
}

describe('findFetchedScripts: uses', () => {
  const cases: Array<[string, string, Array<[string, string, number]>]> = [
    ['curl | bash', 'curl -s https://codecov.io/bash | bash', [['pipe', 'https://codecov.io/bash', 10]]],
    ['curl | sh with flags', 'curl -fsSL https://get.example.com/install.sh | sh -s -- --yes', [['pipe', 'https://get.example.com/install.sh', 10]]],
    ['curl | zsh', 'curl https://x.io/z | zsh', [['pipe', 'https://x.io/z', 10]]],
    ['curl | sudo bash', 'curl -sL https://deb.nodesource.com/setup_18.x | sudo -E bash -', [['pipe', 'https://deb.nodesource.com/setup_18.x', 10]]],
    ['curl | /bin/bash', "curl 'https://x.io/a' | /bin/bash", [['pipe', 'https://x.io/a', 10]]],
    ['curl | env bash', 'curl https://x.io/a | /usr/bin/env bash', [['pipe', 'https://x.io/a', 10]]],
    ['curl | python3 -', 'curl -sSL https://install.python-poetry.org | python3 -', [['pipe', 'https://install.python-poetry.org', 10]]],
    ['curl with header option value', 'curl -H "Authorization: $TOKEN" https://x.io/s | bash', [['pipe', 'https://x.io/s', 10]]],
    ['wget -O- | sh', 'wget -O- https://x.io/w | sh', [['pipe', 'https://x.io/w', 10]]],
    ['wget -qO- | sh', 'wget -qO- https://x.io/w | sh', [['pipe', 'https://x.io/w', 10]]],
    ['wget -O - | sh', 'wget -q -O - https://x.io/w | sh', [['pipe', 'https://x.io/w', 10]]],
    ['bash <(curl)', 'bash <(curl -s https://codecov.io/bash)', [['process-substitution', 'https://codecov.io/bash', 10]]],
    ['bash <(curl) with args', 'bash <(curl -s https://codecov.io/bash) -t token -f cov.xml', [['process-substitution', 'https://codecov.io/bash', 10]]],
    ['. <(curl)', '. <(curl -sL https://x.io/env)', [['process-substitution', 'https://x.io/env', 10]]],
    ['source <(wget -O-)', 'source <(wget -qO- https://x.io/env)', [['process-substitution', 'https://x.io/env', 10]]],
    ['sh -c "$(curl)"', 'sh -c "$(curl -fsSL https://raw.githubusercontent.com/ohmyzsh/ohmyzsh/master/tools/install.sh)"', [['process-substitution', 'https://raw.githubusercontent.com/ohmyzsh/ohmyzsh/master/tools/install.sh', 10]]],
    ['bash -c backticks', 'bash -c "`curl -s https://x.io/b`"', [['process-substitution', 'https://x.io/b', 10]]],
    ['eval "$(curl)"', 'eval "$(curl -s https://x.io/e)"', [['process-substitution', 'https://x.io/e', 10]]],
    ['download -o then bash', 'curl -o install.sh https://x.io/i.sh\nbash install.sh', [['download-then-run', 'https://x.io/i.sh', 10]]],
    ['download -sLo cluster then sh', 'curl -sLo /tmp/i.sh https://x.io/i.sh\nsh /tmp/i.sh', [['download-then-run', 'https://x.io/i.sh', 10]]],
    ['download --output= then ./', 'curl --output=run.sh https://x.io/r\nchmod +x run.sh && ./run.sh', [['download-then-run', 'https://x.io/r', 10]]],
    ['curl -O then chmod and run', 'curl -Os https://uploader.codecov.io/latest/linux/codecov\nchmod +x codecov\n./codecov -t ${CODECOV_TOKEN}', [['download-then-run', 'https://uploader.codecov.io/latest/linux/codecov', 10]]],
    ['wget -O f then sh', 'wget -O setup.sh https://x.io/s\nsudo sh setup.sh', [['download-then-run', 'https://x.io/s', 10]]],
    ['wget (remote name) then bash', 'wget https://x.io/get.sh\nbash get.sh', [['download-then-run', 'https://x.io/get.sh', 10]]],
    ['curl > f then bash later', 'echo start\ncurl -s https://x.io/s > s.sh\necho mid\nbash ./s.sh', [['download-then-run', 'https://x.io/s', 11]]],
    ['download and run on one line', 'curl -o a.sh https://x.io/a; bash a.sh', [['download-then-run', 'https://x.io/a', 10]]],
    ['URL from $VAR in vars', 'curl -s $URL | bash', [['pipe', 'https://codecov.io/bash', 10]]],
    ['URL from ${VAR} in vars', 'curl -s "${URL}" | bash', [['pipe', 'https://codecov.io/bash', 10]]],
    ['URL from an assignment in the text', 'export U=https://x.io/u\ncurl $U | sh', [['pipe', 'https://x.io/u', 11]]],
    ['URL from a default', 'curl ${NOPE:-https://x.io/d} | sh', [['pipe', 'https://x.io/d', 10]]],
    ['unknown variable URL kept as written', 'curl -s $UNKNOWN | bash', [['pipe', '$UNKNOWN', 10]]],
    ['line continuation', 'curl -s \\\n  https://x.io/c \\\n  | bash', [['pipe', 'https://x.io/c', 10]]],
    ['third line', 'set -e\necho hi\ncurl https://x.io/t | bash', [['pipe', 'https://x.io/t', 12]]],
    ['inside if', 'if true; then curl https://x.io/i | bash; fi', [['pipe', 'https://x.io/i', 10]]],
    ['two uses', 'curl https://a.io/1 | sh\nbash <(curl https://b.io/2)', [['pipe', 'https://a.io/1', 10], ['process-substitution', 'https://b.io/2', 11]]],
    ['scheme-less URL', 'curl -s codecov.io/bash | bash', [['pipe', 'codecov.io/bash', 10]]],
    ['-o after the URL', 'curl -fsSL https://x.io/a.sh -o /tmp/a.sh && sh /tmp/a.sh', [['download-then-run', 'https://x.io/a.sh', 10]]],
    ['GitHub expression URL from vars', 'curl -s ${{ env.URL }} | bash', [['pipe', 'https://codecov.io/bash', 10]]],
    ['GitHub expression URL kept as written', 'curl -s ${{ inputs.url }} | bash', [['pipe', '${{ inputs.url }}', 10]]],
    ['python -c "$(curl)"', 'python3 -c "$(curl -fsSL https://x.io/p.py)"', [['process-substitution', 'https://x.io/p.py', 10]]],
    ['pipe after || fallback', 'curl -s https://x.io/a | bash || echo failed', [['pipe', 'https://x.io/a', 10]]],
    ['trailing comment ignored, use kept', 'curl https://x.io/a | bash # install', [['pipe', 'https://x.io/a', 10]]],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(found(text, { URL: 'https://codecov.io/bash' })).toEqual(expected);
  });
});

describe('findFetchedScripts: not uses', () => {
  const cases: Array<[string, string]> = [
    ['ok-commented line', '# curl -s https://codecov.io/bash | bash'],
    ['ok-indented comment', '   # bash <(curl -s https://codecov.io/bash)'],
    ['ok-comment after a command', 'echo hi # curl https://x.io | bash'],
    ['ok-plain download', 'curl -o report.json https://api.example.com/report'],
    ['ok-download never run', 'curl -o i.sh https://x.io/i.sh\ncat i.sh'],
    ['ok-run before download', 'bash i.sh\ncurl -o i.sh https://x.io/i.sh'],
    ['ok-download another file run', 'curl -o a.sh https://x.io/a\nbash b.sh'],
    ['ok-curl piped to jq', 'curl -s https://api.x.io/v1 | jq .name'],
    ['ok-curl piped to sh -c', "curl -s https://x.io/a | sh -c 'cat > out'"],
    ['ok-bash script from repo', 'bash ./scripts/test.sh'],
    ['ok-quoted text', 'echo "curl https://x.io/a | bash"'],
    ['ok-single-quoted text', "echo 'bash <(curl https://x.io/a)'"],
    ['ok-substitution not executed', 'VERSION="$(curl -s https://x.io/version)"'],
    ['ok-echo of substitution', 'echo "$(curl -s https://x.io/version)"'],
    ['ok-diff process substitution', 'diff <(curl -s https://x.io/a) b.txt'],
    ['ok-curl without URL', 'curl --version | sh'],
    ['ok-empty', ''],
    ['ok-unbalanced quotes', 'echo "unterminated curl https://x.io | bash'],
  ];
  it.each(cases)('%s', (_name, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('findFetchedScripts: details', () => {
  it('keeps the file of the position and a short raw text', () => {
    const [use] = findFetchedScripts('curl -s https://codecov.io/bash | bash', { file: 'codecov/codecov@1.1.1//orb.yml', line: 3 });
    expect(use).toEqual({
      ref: { kind: 'script-url', url: 'https://codecov.io/bash', how: 'pipe', raw: 'curl -s https://codecov.io/bash | bash' },
      pos: { file: 'codecov/codecov@1.1.1//orb.yml', line: 3 },
    });
  });

  it('bounds raw text length', () => {
    const [use] = findFetchedScripts(`curl https://x.io/${'a'.repeat(500)} | bash`, at);
    expect(use?.ref.raw.length).toBeLessThanOrEqual(200);
  });

  it('reports a repeated identical use once per line', () => {
    expect(found('curl https://x.io/a | bash; curl https://x.io/a | bash')).toHaveLength(1);
  });

  it('survives hostile input', () => {
    const deep = '$('.repeat(5000) + 'curl https://x.io | bash' + ')'.repeat(5000);
    expect(() => findFetchedScripts(deep, at)).not.toThrow();
    expect(() => findFetchedScripts('"'.repeat(100_000), at)).not.toThrow();
    expect(findFetchedScripts(`${'('.repeat(100_000)}curl https://x.io | bash`, at)).toEqual([]);
    expect(found(`${'('.repeat(10)}curl https://x.io/s | bash${')'.repeat(10)}`)).toEqual([['pipe', 'https://x.io/s', 10]]);
  });
});

describe('findFetchedScripts: PowerShell', () => {
  it.each<[string, string, Array<[string, string, number]>]>([
    ['irm | iex', 'irm https://get.scoop.sh | iex', [['pipe', 'https://get.scoop.sh', 10]]],
    ['iwr -useb | iex', 'iwr -useb https://x.io/i.ps1 | iex', [['pipe', 'https://x.io/i.ps1', 10]]],
    ['Invoke-RestMethod -Uri | Invoke-Expression', "Invoke-RestMethod -Uri 'https://x.io/i.ps1' | Invoke-Expression", [['pipe', 'https://x.io/i.ps1', 10]]],
    ['iex (iwr)', 'iex (iwr https://x.io/i.ps1)', [['process-substitution', 'https://x.io/i.ps1', 10]]],
    [
      'Chocolatey install line',
      "Set-ExecutionPolicy Bypass -Scope Process -Force; iex ((New-Object System.Net.WebClient).DownloadString('https://community.chocolatey.org/install.ps1'))",
      [['process-substitution', 'https://community.chocolatey.org/install.ps1', 10]],
    ],
    ['iwr -OutFile then & .\\f.ps1', 'Invoke-WebRequest -Uri https://x.io/s.ps1 -OutFile s.ps1\n& .\\s.ps1 -Force', [['download-then-run', 'https://x.io/s.ps1', 10]]],
    ['iwr -OutFile then pwsh -File', 'iwr https://x.io/s.ps1 -OutFile setup.ps1\npwsh -NoProfile -File setup.ps1', [['download-then-run', 'https://x.io/s.ps1', 10]]],
  ])('%s', (_name, text, expected) => {
    expect(found(text)).toEqual(expected);
  });

  it.each([
    ['a download that is only saved', 'Invoke-WebRequest -Uri https://x.io/data.zip -OutFile data.zip\nExpand-Archive data.zip'],
    ['a fetch that is only printed', 'irm https://api.x.io/status | ConvertTo-Json'],
    ['a comment', '# irm https://get.scoop.sh | iex'],
  ])('ok: %s', (_name, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('findFetchedScripts: PowerShell download then run on one line', () => {
  it('iwr -OutFile; ./f.ps1', () => {
    expect(found('Invoke-WebRequest -Uri https://x.io/i.ps1 -OutFile i.ps1; ./i.ps1')).toEqual([['download-then-run', 'https://x.io/i.ps1', 10]]);
  });
});
