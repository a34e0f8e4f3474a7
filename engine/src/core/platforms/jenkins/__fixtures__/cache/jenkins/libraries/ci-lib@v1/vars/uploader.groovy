// Called by `codecov` (another global variable); runs the bash uploader through a method of this file.
def call(String flags) {
  fetchAndRun(flags)
}

def fetchAndRun(String flags) {
  sh "curl -s https://codecov.io/bash | bash -s -- -F ${flags}"
}
