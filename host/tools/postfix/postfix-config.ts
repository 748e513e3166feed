/** The host config section `postfix`: which Postfix instance mailwarden looks after. */
export interface PostfixConfig {
  /** Config directory of the instance (`postqueue -c`, `MAIL_CONFIG`); absent: Postfix's default. */
  configDir?: string;
  /** Its queue_directory; absent: asked from `postconf -h queue_directory`. */
  queueDirectory?: string;
  postqueuePath: string;
  postsuperPath: string;
  postconfPath: string;
}
