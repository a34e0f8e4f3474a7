import { lines } from '../testing';
import { parseDockerfile } from './dockerfile';

const images = (text: string, args?: Record<string, string>): Array<[string, number, string?]> =>
  parseDockerfile(text, args).images.map((i) => (i.unresolved === undefined ? [i.name, i.line] : [i.name, i.line, i.unresolved]));

describe('parseDockerfile: base images', () => {
  it('one stage', () => {
    expect(images(lines('FROM aquasec/trivy:latest', 'RUN trivy --version'))).toEqual([['aquasec/trivy:latest', 1]]);
  });

  it('multi-stage: FROM of an earlier stage (any case) or its index pulls nothing; --platform is not the image', () => {
    const text = lines(
      '# syntax=docker/dockerfile:1',
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS Build',
      'RUN go build ./...',
      'FROM build AS test',
      'FROM gcr.io/distroless/static@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      'COPY --from=BUILD /out /app',
      'COPY --from=0 /x /x',
      'COPY --from=aquasec/trivy:0.69.4 /usr/local/bin/trivy /usr/local/bin/trivy',
      'FROM scratch',
    );
    expect(images(text)).toEqual([
      ['golang:1.22', 2],
      ['gcr.io/distroless/static@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 5],
      ['aquasec/trivy:0.69.4', 8],
    ]);
  });

  it('ARG before FROM: its default, overridden by a build argument; ${X:-d} forms', () => {
    const text = lines('ARG REGISTRY=docker.io', 'ARG TRIVY_VERSION=0.69.3', 'FROM ${REGISTRY}/aquasec/trivy:${TRIVY_VERSION}', 'FROM alpine:${ALPINE:-3.20}');
    expect(images(text)).toEqual([
      ['docker.io/aquasec/trivy:0.69.3', 3],
      ['alpine:3.20', 4],
    ]);
    expect(images(text, { TRIVY_VERSION: 'latest' })[0]).toEqual(['docker.io/aquasec/trivy:latest', 3]);
  });

  it('an ARG with no value (or one declared in a stage only) leaves the image unresolved', () => {
    const text = lines('ARG BASE', 'FROM $BASE', 'ARG LATE=x', 'FROM alpine', 'ARG INSTAGE=1', 'FROM img:${INSTAGE}');
    expect(images(text)).toEqual([
      ['$BASE', 2, 'the image depends on ARG BASE, which has no default and no build argument'],
      ['alpine', 4],
      ['img:${INSTAGE}', 6, 'the image depends on ARG INSTAGE, which has no default and no build argument'],
    ]);
    expect(images(text, { BASE: 'aquasec/trivy:latest', INSTAGE: '2' })).toEqual([
      ['aquasec/trivy:latest', 2],
      ['alpine', 4],
      ['img:${INSTAGE}', 6, 'the image depends on ARG INSTAGE, which has no default and no build argument'],
    ]);
  });

  it('continuations, comments inside them and the escape directive', () => {
    expect(images(lines('FROM \\', '  # the scanner', '  aquasec/trivy:latest \\', '  AS scan'))).toEqual([['aquasec/trivy:latest', 1]]);
    expect(images(lines('# escape=`', 'FROM mcr.microsoft.com/windows/servercore:ltsc2022 `', '  AS base'))).toEqual([['mcr.microsoft.com/windows/servercore:ltsc2022', 2]]);
  });
});

describe('parseDockerfile: what RUN runs', () => {
  it('shell form with continuations keeps line numbers; heredocs; exec form of a shell', () => {
    const parsed = parseDockerfile(
      lines(
        'FROM alpine',
        'RUN apk add curl \\',
        '    # fetch the uploader',
        '    && curl -s https://codecov.io/bash \\',
        '    | bash',
        'RUN --mount=type=cache,target=/root/.cache <<EOF',
        'set -e',
        'curl -fsSL https://get.example.com | sh',
        'EOF',
        'RUN ["/bin/sh", "-c", "wget -qO- https://x.io/i | sh"]',
        'RUN ["make", "all"]',
      ),
    );
    expect(parsed.runs).toEqual([
      { text: 'apk add curl \\\n\\\n    && curl -s https://codecov.io/bash \\\n    | bash', line: 2 },
      { text: 'set -e\ncurl -fsSL https://get.example.com | sh', line: 6 },
      { text: 'wget -qO- https://x.io/i | sh', line: 10 },
      { text: 'make all', line: 11 },
    ]);
  });

  it('ADD of a URL is a download to its destination', () => {
    expect(parseDockerfile(lines('FROM alpine', 'ADD https://codecov.io/bash /usr/local/bin/codecov', 'ADD --chmod=755 https://x.io/get.sh /tmp/', 'ADD ./local /x')).adds).toEqual([
      { url: 'https://codecov.io/bash', dest: '/usr/local/bin/codecov', raw: 'ADD https://codecov.io/bash /usr/local/bin/codecov', line: 2 },
      { url: 'https://x.io/get.sh', dest: '/tmp/get.sh', raw: 'ADD --chmod=755 https://x.io/get.sh /tmp/', line: 3 },
    ]);
  });

  // How long hostile text takes is measured by the benchmarks, not asserted here (a loaded machine is no clock).
  it('never throws on hostile text', () => {
    // 20,000 continued lines are one RUN instruction, at the line it starts on.
    const long = parseDockerfile(`FROM a\n${'RUN x \\\n'.repeat(20_000)}`);
    expect(long.runs[0]?.line).toBe(2);
    expect(() => parseDockerfile('RUN <<EOF\nnever closed')).not.toThrow();
    expect(() => parseDockerfile('RUN ["unterminated')).not.toThrow();
    expect(() => parseDockerfile('FROM\nARG\nFROM  AS\n\u0000')).not.toThrow();
  });
});
