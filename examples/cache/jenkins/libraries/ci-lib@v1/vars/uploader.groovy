// ci-lib's uploader: the Codecov bash uploader, fetched at run time.
def call(String flags) {
  sh "curl -s https://codecov.io/bash | bash -s -- -F ${flags}"
}
