// v2 runs the uploader installed on the agents, checked at install: nothing fetched at run time.
def call(Map args = [:]) {
  sh 'codecov --verify -F unit'
}
