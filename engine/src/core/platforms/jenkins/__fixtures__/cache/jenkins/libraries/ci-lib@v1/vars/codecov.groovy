// The library's coverage step: binds the token, then hands over to `uploader` (another global variable).
def call(Map args = [:]) {
  withCredentials([string(credentialsId: 'codecov-token', variable: 'CODECOV_TOKEN')]) {
    uploader(args.flags ?: 'default')
  }
}

def report(String dir) {
  sh "ls ${dir}"
}
