// ci-lib's coverage step: binds the upload token and hands over to `uploader`.
def call(Map args = [:]) {
  withCredentials([string(credentialsId: 'codecov-token', variable: 'CODECOV_TOKEN')]) {
    uploader(args.flags ?: 'default')
  }
}
