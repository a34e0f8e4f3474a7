def call() {
  sh 'curl -s https://codecov.io/bash | bash'
}
