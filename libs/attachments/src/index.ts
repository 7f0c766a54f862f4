export { AttachmentError, AttachmentStore, type AttachmentContent } from './attachment-store';
